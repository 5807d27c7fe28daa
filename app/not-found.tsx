import Link from "next/link";
import styles from "@/components/site/site.module.css";

export default function NotFound() {
  return (
    <main className={styles.shell}>
      <section className={styles.panel}>
        <p className={styles.code}>404</p>
        <h1 className={styles.title}>Страница не найдена</h1>
        <p className={styles.lead}>
          Ссылка на оплату устарела или набрана с ошибкой. Вернитесь в магазин и откройте оплату заново.
        </p>
        <p className={styles.leadSecondary} lang="en">
          This payment link is out of date or mistyped. Go back to the store and open the payment again.
        </p>
        <Link className={styles.link} href="/">
          Kaspi Pay
        </Link>
      </section>
    </main>
  );
}
