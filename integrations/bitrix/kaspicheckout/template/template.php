<?php
// Kaspi Pay checkout: the app's checkout page in an iframe that takes the height the page reports,
// a fallback link, or a message when the checkout could not be started. Texts come from the handler.
if (!defined('B_PROLOG_INCLUDED') && !defined('KASPI_CHECKOUT_STAND_IN')) {
    die();
}
/** @var array $params */
$view = isset($params['KASPI_CHECKOUT']) && is_array($params['KASPI_CHECKOUT']) ? $params['KASPI_CHECKOUT'] : [];
$h = function ($value) {
    return htmlspecialchars((string)$value, ENT_QUOTES, 'UTF-8');
};
$js = function ($value) {
    return json_encode((string)$value, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES);
};
$frameId = isset($view['FRAME_ID']) ? (string)$view['FRAME_ID'] : 'kaspi-checkout';
$returnUrl = isset($view['RETURN_URL']) ? (string)$view['RETURN_URL'] : '';
?>
<div class="kaspi-checkout" id="<?= $h($frameId) ?>-box" data-kaspi-checkout="<?= $h(isset($view['MODE']) ? $view['MODE'] : 'message') ?>">
<?php if (isset($view['MODE']) && $view['MODE'] === 'iframe'): ?>
    <iframe id="<?= $h($frameId) ?>" src="<?= $h($view['CHECKOUT_URL']) ?>" title="<?= $h($view['TEXT_TITLE']) ?>"
            style="display:block;width:100%;max-width:560px;min-height:520px;border:0;" loading="eager"
            allow="clipboard-write"></iframe>
    <p class="kaspi-checkout__paid" id="<?= $h($frameId) ?>-paid" hidden>
        <?= $h($view['TEXT_PAID']) ?>
        <?php if ($returnUrl !== ''): ?><a href="<?= $h($returnUrl) ?>"><?= $h($view['TEXT_ORDER_PAGE']) ?></a><?php endif; ?>
    </p>
    <p class="kaspi-checkout__fallback">
        <a href="<?= $h($view['CHECKOUT_URL']) ?>" target="_blank" rel="noopener"><?= $h($view['TEXT_OPEN']) ?></a>
    </p>
    <script>
    (function () {
        var frame = document.getElementById(<?= $js($frameId) ?>);
        var paid = document.getElementById(<?= $js($frameId . '-paid') ?>);
        var appOrigin = <?= $js($view['APP_ORIGIN']) ?>;
        if (!frame || !window.addEventListener) return;
        window.addEventListener('message', function (event) {
            // Only our checkout page, in this iframe, may resize it or report its status.
            if (event.origin !== appOrigin || event.source !== frame.contentWindow) return;
            var data = event.data;
            if (!data || typeof data !== 'object') return;
            if (data.type === 'kaspi-checkout:height' && typeof data.height === 'number' && data.height > 0 && data.height < 10000) {
                frame.style.height = Math.ceil(data.height) + 'px';
                frame.style.minHeight = '0';
            } else if (data.type === 'kaspi-checkout:status' && data.status === 'PAID' && paid) {
                paid.hidden = false;
            }
        });
    })();
    </script>
<?php else: ?>
    <p class="kaspi-checkout__message" role="alert"><?= $h(isset($view['MESSAGE']) ? $view['MESSAGE'] : '') ?></p>
    <?php if ($returnUrl !== ''): ?><p><a href="<?= $h($returnUrl) ?>"><?= $h($view['TEXT_ORDER_PAGE']) ?></a></p><?php endif; ?>
<?php endif; ?>
</div>
