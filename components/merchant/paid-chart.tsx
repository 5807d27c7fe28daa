import type { MerchantDict, MerchantLang } from "@/lib/merchant/i18n";
import type { DayTotal } from "@/lib/merchant/overview";
import { formatTenge } from "@/lib/money";
import styles from "./merchant.module.css";

// Paid amount per day as SVG bars (no chart library: 30 rectangles). The same figures are in a
// visually hidden table for screen readers, and each bar has a <title> for pointer users.
export function PaidChart({ days, t, lang }: { days: DayTotal[]; t: MerchantDict; lang: MerchantLang }) {
  const width = 600;
  const height = 180;
  const top = 10;
  const bottom = 22;
  const max = Math.max(1, ...days.map((d) => d.paidSum));
  const slot = width / Math.max(1, days.length);
  const label = (day: string) => {
    const [, m, d] = day.split("-");
    return lang === "ru" ? `${d}.${m}` : `${d}/${m}`;
  };
  return (
    <figure className={styles.chart} data-testid="paid-chart">
      <figcaption className={styles.h2}>{t.overview.chartTitle}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t.overview.chartTitle} data-max={max}>
        <line x1="0" x2={width} y1={height - bottom} y2={height - bottom} className={styles.chartAxis} />
        <line x1="0" x2={width} y1={top} y2={top} className={styles.chartGrid} />
        <text x="2" y={top + 12} className={styles.chartLabel}>
          {formatTenge(max)}
        </text>
        {days.map((d, i) => {
          const h = ((height - top - bottom) * d.paidSum) / max;
          return (
            <g key={d.day}>
              <rect
                x={i * slot + slot * 0.15}
                y={height - bottom - h}
                width={slot * 0.7}
                height={Math.max(h, d.paidSum > 0 ? 1 : 0)}
                className={styles.chartBar}
                data-day={d.day}
                data-sum={d.paidSum}
              >
                <title>{`${label(d.day)}: ${formatTenge(d.paidSum)}`}</title>
              </rect>
              {i % 5 === 4 || i === days.length - 1 ? (
                <text
                  x={i === days.length - 1 ? width : i * slot + slot / 2}
                  y={height - 6}
                  textAnchor={i === days.length - 1 ? "end" : "middle"}
                  className={styles.chartLabel}
                >
                  {label(d.day)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>{t.overview.chartTitle}</caption>
        <thead>
          <tr>
            <th scope="col">{t.overview.day}</th>
            <th scope="col">{t.overview.paid}</th>
            <th scope="col">{t.overview.count}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>{formatTenge(d.paidSum)}</td>
              <td>{d.paidCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
