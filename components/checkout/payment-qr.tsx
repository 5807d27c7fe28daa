"use client";

import { QRCodeSVG } from "qrcode.react";
import type { PaymentView } from "@/lib/payments/checkout-views";
import styles from "./checkout.module.css";

type Qr = NonNullable<PaymentView["qr"]>;

export function PaymentQr({ qr, label }: { qr: Qr; label: string }) {
  return (
    <div className={styles.qrFrame} data-testid="checkout-qr" data-format={qr.format}>
      {qr.format === "png-base64" ? (
        // Kaspi's own PNG, inline: next/image would add nothing for a data: URL.
        // eslint-disable-next-line @next/next/no-img-element
        <img
          className={styles.qrImage}
          src={`data:image/png;base64,${qr.value}`}
          alt={label}
          width={220}
          height={220}
        />
      ) : (
        <QRCodeSVG
          className={styles.qrImage}
          value={qr.value}
          size={220}
          level="M"
          marginSize={0}
          title={label}
          role="img"
          aria-label={label}
        />
      )}
    </div>
  );
}
