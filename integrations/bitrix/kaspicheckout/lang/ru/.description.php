<?php // Русские подписи настроек платёжной системы (.description.php)
$MESS['KASPI_CHECKOUT_DESC_NAME'] = 'Kaspi Pay (Kaspi checkout)';
$MESS['KASPI_CHECKOUT_DESC_APP_URL'] = 'Адрес приложения Kaspi checkout';
$MESS['KASPI_CHECKOUT_DESC_APP_URL_HINT'] = 'Публичный https-адрес приложения (его APP_URL), например https://pay.shop.kz';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET'] = 'Общий секрет';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET_HINT'] = 'То же значение, что BITRIX_SHARED_SECRET в приложении (не короче 16 символов)';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY'] = 'Код свойства заказа с телефоном';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY_HINT'] = 'Например PHONE; пусто — свойство, отмеченное как телефон';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL'] = 'Страница заказа';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL_HINT'] = 'Куда вернуть покупателя после оплаты; подстановки #ORDER_ID#, #ACCOUNT_NUMBER#, #PAYMENT_ID#';
$MESS['CONNECT_SETTINGS_KASPI_CHECKOUT'] = 'Подключение к Kaspi checkout';
$MESS['KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX'] = 'Принимать тестовые (sandbox) оплаты';
$MESS['KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX_HINT'] = 'Включите только на тестовом сайте: оплата, проведённая в песочнице Kaspi, тогда отмечает заказ оплаченным. Выключено — такие оплаты отклоняются.';
$MESS['KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY'] = 'Автоматически оплачивать заказ при получении успешного статуса оплаты';
$MESS['KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY_HINT'] = 'Выключено — данные оплаты Kaspi записываются в оплату, а отметку «оплачено» менеджер ставит сам.';
$MESS['KASPI_CHECKOUT_DESC_DELIVERY_VAT'] = 'Ставка НДС доставки в чеке';
$MESS['KASPI_CHECKOUT_DESC_DELIVERY_VAT_HINT'] = 'Для фискального чека (если приложение выдаёт чеки): «—» без НДС, 0 % или 16 %. Ставки товаров берутся из каталога.';
