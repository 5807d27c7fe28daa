import Link from "next/link";
import styles from "@/components/site/site.module.css";
import { siteSettings } from "@/lib/container";

// Read at request time: whether the sandbox is on is a deployment setting, not a build-time one.
export const dynamic = "force-dynamic";

export default function HomePage() {
  const { sandboxEnabled, merchantName } = siteSettings();
  return (
    <main className={styles.shell}>
      <section className={styles.panel}>
        <p className={styles.brand}>
          <span className={styles.brandMark} aria-hidden="true" />
          Kaspi Pay
        </p>
        <h1 className={styles.title}>Оплата через Kaspi.kz для магазинов на 1С-Битрикс</h1>
        <p className={styles.lead}>
          Покупатель видит сумму заказа, сканирует QR-код или открывает приложение Kaspi.kz, подтверждает оплату — и
          магазин сразу узнаёт, что заказ оплачен.
        </p>
        <ol className={styles.steps}>
          <li>Битрикс передаёт заказ в этот сервис по подписанному запросу.</li>
          <li>Покупатель платит на странице оплаты внутри оформления заказа.</li>
          <li>Сервис проверяет платёж в Kaspi и сообщает Битриксу, что заказ оплачен.</li>
        </ol>
        <p className={styles.leadSecondary} lang="en">
          Kaspi Pay checkout for 1C-Bitrix stores in Kazakhstan · {merchantName}.
        </p>
        {sandboxEnabled ? (
          <div className={styles.sandboxNote}>
            <p>
              <strong>Песочница включена.</strong> Платежи не настоящие: вместо Kaspi отвечает встроенный симулятор.
            </p>
            <Link className={styles.cta} href="/sandbox/store">
              Открыть демо-магазин
            </Link>
          </div>
        ) : null}
      </section>
    </main>
  );
}
