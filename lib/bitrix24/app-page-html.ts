import type { AppLang, AppPageView } from "./app-page";

// The HTML of /bitrix24/app, rendered on the server (route handlers: a Bitrix24 app page is opened
// with a POST, which Next pages do not take). No script: the forms work without one. Every value
// is escaped; secrets are never in it (only "set" / "not set").

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

type Texts = {
  title: string;
  contract: string;
  mode: string;
  protocols: Record<"ecom" | "qr" | "checkpay", string>;
  none: string;
  modes: Record<"test" | "live", string>;
  set: string;
  notSet: string;
  keepHint: string;
  fields: Record<string, string>;
  entry: Record<"online" | "link", string>;
  save: string;
  saved: string;
  notSaved: string;
  readOnly: string;
  payments: string;
  noPayments: string;
  columns: [string, string, string, string];
  /** Payment statuses as the merchant reads them (lib/payments/status.ts). */
  statuses: Record<string, string>;
  tenge: string;
  refused: string;
  notInstalled: string;
  notAdmin: string;
};

const TEXTS: Record<AppLang, Texts> = {
  ru: {
    title: "Kaspi Pay",
    contract: "Договор Kaspi",
    mode: "Режим",
    protocols: { ecom: "eCommerce API", qr: "Kaspi QR (r1)", checkpay: "check/pay (Kaspi Сервис)" },
    none: "не выбран",
    modes: { test: "тестовый (песочница)", live: "рабочий" },
    set: "задан",
    notSet: "не задан",
    keepHint: "оставьте пустым, чтобы не менять",
    fields: {
      token: "Токен eCommerce API",
      apiKey: "Api-Key",
      deviceToken: "DeviceToken точки",
      baseUrl: "Адрес API Kaspi",
      serviceId: "Код Сервиса Kaspi",
      entryLabel: "Как покупатель попадает в Сервис",
      payLink: "Ссылка Сервиса Kaspi",
    },
    entry: { online: "кнопка Kaspi", link: "ссылка" },
    save: "Сохранить",
    saved: "Настройки сохранены.",
    notSaved: "Настройки не сохранены",
    readOnly: "Изменять настройки могут только администраторы портала.",
    payments: "Последние платежи",
    noPayments: "Платежей пока нет.",
    columns: ["Дата", "Заказ", "Сумма", "Статус"],
    statuses: {
      CREATED: "Создан",
      PENDING: "Ожидает оплаты",
      PAID: "Оплачен",
      FAILED: "Не оплачен",
      EXPIRED: "Истёк",
      CANCELLED: "Отменён",
      REFUNDED: "Возвращён",
      PARTIALLY_REFUNDED: "Частично возвращён",
    },
    tenge: "₸",
    refused: "Не удалось подтвердить вход. Откройте приложение заново из Битрикс24.",
    notInstalled: "Приложение Kaspi Pay не установлено на этом портале.",
    notAdmin: "Изменять настройки могут только администраторы портала. Ничего не изменено.",
  },
  kk: {
    title: "Kaspi Pay",
    contract: "Kaspi шарты",
    mode: "Режим",
    protocols: { ecom: "eCommerce API", qr: "Kaspi QR (r1)", checkpay: "check/pay (Kaspi Сервисі)" },
    none: "таңдалмаған",
    modes: { test: "сынақ (құмсалғыш)", live: "жұмыс" },
    set: "берілген",
    notSet: "берілмеген",
    keepHint: "өзгертпеу үшін бос қалдырыңыз",
    fields: {
      token: "eCommerce API токені",
      apiKey: "Api-Key",
      deviceToken: "Нүктенің DeviceToken",
      baseUrl: "Kaspi API мекенжайы",
      serviceId: "Kaspi Сервисінің коды",
      entryLabel: "Сатып алушы Сервиске қалай кіреді",
      payLink: "Kaspi Сервисінің сілтемесі",
    },
    entry: { online: "Kaspi батырмасы", link: "сілтеме" },
    save: "Сақтау",
    saved: "Баптаулар сақталды.",
    notSaved: "Баптаулар сақталмады",
    readOnly: "Баптауларды тек портал әкімшілері өзгерте алады.",
    payments: "Соңғы төлемдер",
    noPayments: "Әзірге төлем жоқ.",
    columns: ["Күні", "Тапсырыс", "Сомасы", "Күйі"],
    statuses: {
      CREATED: "Жасалды",
      PENDING: "Төлем күтілуде",
      PAID: "Төленді",
      FAILED: "Төленбеді",
      EXPIRED: "Мерзімі өтті",
      CANCELLED: "Бас тартылды",
      REFUNDED: "Қайтарылды",
      PARTIALLY_REFUNDED: "Ішінара қайтарылды",
    },
    tenge: "₸",
    refused: "Кіруді растау мүмкін болмады. Қосымшаны Битрикс24-тен қайта ашыңыз.",
    notInstalled: "Kaspi Pay қосымшасы бұл порталда орнатылмаған.",
    notAdmin: "Баптауларды тек портал әкімшілері өзгерте алады. Ештеңе өзгертілмеді.",
  },
  en: {
    title: "Kaspi Pay",
    contract: "Kaspi contract",
    mode: "Mode",
    protocols: { ecom: "eCommerce API", qr: "Kaspi QR (r1)", checkpay: "check/pay (Kaspi Service)" },
    none: "not chosen",
    modes: { test: "test (sandbox)", live: "live" },
    set: "set",
    notSet: "not set",
    keepHint: "leave empty to keep",
    fields: {
      token: "eCommerce API token",
      apiKey: "Api-Key",
      deviceToken: "Trade point DeviceToken",
      baseUrl: "Kaspi API address",
      serviceId: "Kaspi Service code",
      entryLabel: "How the shopper reaches the Service",
      payLink: "Kaspi Service link",
    },
    entry: { online: "Kaspi button", link: "link" },
    save: "Save",
    saved: "Settings saved.",
    notSaved: "Settings not saved",
    readOnly: "Only the portal's administrators can change these settings.",
    payments: "Latest payments",
    noPayments: "No payments yet.",
    columns: ["Date", "Order", "Amount", "Status"],
    statuses: {
      CREATED: "Created",
      PENDING: "Awaiting payment",
      PAID: "Paid",
      FAILED: "Not paid",
      EXPIRED: "Expired",
      CANCELLED: "Cancelled",
      REFUNDED: "Refunded",
      PARTIALLY_REFUNDED: "Partially refunded",
    },
    tenge: "₸",
    refused: "This sign-in could not be confirmed. Open the app again from Bitrix24.",
    notInstalled: "Kaspi Pay is not installed on this portal.",
    notAdmin: "Only the portal's administrators can change these settings. Nothing was changed.",
  },
};

export function textsOf(lang: AppLang): Texts {
  return TEXTS[lang];
}

const STYLE =
  "body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:24px}" +
  "fieldset{border:1px solid #ddd;margin:8px 0;padding:8px 12px}label{display:block;margin:6px 0}" +
  "input[type=text],input[type=password],input[type=url],select{display:block;box-sizing:border-box;width:100%;max-width:480px;margin-top:4px;padding:6px}" +
  "fieldset label:has(input[type=radio]){display:inline-block;margin-right:16px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dd{margin:0;font-weight:600}" +
  "button{padding:6px 16px;font:inherit}" +
  "table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:4px 10px;text-align:left}" +
  ".amount{text-align:right}.note{padding:8px 12px;background:#f3f7ff}.error{padding:8px 12px;background:#fff0f0}";

function document(lang: AppLang, body: string): string {
  const t = TEXTS[lang];
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(t.title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** A refusal: one sentence, nothing of the store. */
export function refusalHtml(lang: AppLang, kind: "refused" | "notInstalled" | "notAdmin"): string {
  return document(lang, `<p class="error">${escapeHtml(TEXTS[lang][kind])}</p>`);
}

export type AppPageRender = {
  lang: AppLang;
  view: AppPageView;
  admin: boolean;
  /** Present for administrators: what the settings form posts back. */
  form?: { action: string; authId: string; memberId: string; nonce: string };
  notice?: { kind: "saved" } | { kind: "error"; message: string };
};

const dateFormat = new Intl.DateTimeFormat("ru-RU", {
  timeZone: "Asia/Almaty",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

function amountOf(tenge: number, t: Texts): string {
  return `${new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 0 }).format(tenge)} ${t.tenge}`;
}

export function appPageHtml(r: AppPageRender): string {
  const t = TEXTS[r.lang];
  const { settings } = r.view;
  const parts: string[] = [`<h1>${escapeHtml(t.title)} — ${escapeHtml(r.view.storeName)}</h1>`];
  if (r.notice?.kind === "saved") parts.push(`<p class="note">${escapeHtml(t.saved)}</p>`);
  if (r.notice?.kind === "error") {
    parts.push(`<p class="error">${escapeHtml(t.notSaved)}: ${escapeHtml(r.notice.message)}</p>`);
  }
  parts.push(
    `<dl><dt>${escapeHtml(t.contract)}</dt><dd id="protocol">${escapeHtml(settings.protocol ? t.protocols[settings.protocol] : t.none)}</dd>` +
      `<dt>${escapeHtml(t.mode)}</dt><dd id="mode">${escapeHtml(t.modes[settings.mode])}</dd></dl>`,
  );
  if (r.form) parts.push(settingsForm(r, t));
  else parts.push(`<p>${escapeHtml(t.readOnly)}</p>`);

  parts.push(`<h2>${escapeHtml(t.payments)}</h2>`);
  if (r.view.payments.length === 0) {
    parts.push(`<p>${escapeHtml(t.noPayments)}</p>`);
  } else {
    const head = t.columns.map((c, i) => `<th${i === 2 ? ' class="amount"' : ""}>${escapeHtml(c)}</th>`).join("");
    const rows = r.view.payments
      .map(
        (p) =>
          `<tr><td>${escapeHtml(dateFormat.format(p.createdAt))}</td><td>${escapeHtml(p.orderNumber)}</td>` +
          `<td class="amount">${escapeHtml(amountOf(p.amount, t))}</td><td>${escapeHtml(t.statuses[p.status] ?? p.status)}</td></tr>`,
      )
      .join("");
    parts.push(`<table id="payments"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
  }
  return document(r.lang, parts.join(""));
}

function settingsForm(r: AppPageRender, t: Texts): string {
  const form = r.form!;
  const { settings, credentials } = r.view;
  const chosen = settings.protocol ?? "ecom";
  const value = (protocol: string, name: "baseUrl" | "serviceId" | "payLink") =>
    credentials.protocol === protocol ? (credentials.values[name] ?? "") : "";
  const secret = (protocol: string, name: "token" | "apiKey" | "deviceToken") => {
    const isSet = credentials.protocol === protocol && credentials.secretsSet[name] === true;
    return (
      `<label>${escapeHtml(t.fields[name])} (${escapeHtml(isSet ? t.set : t.notSet)})` +
      `<input type="password" name="${protocol}_${name}" value="" autocomplete="off" placeholder="${escapeHtml(isSet ? t.keepHint : "")}"></label>`
    );
  };
  const text = (protocol: string, name: "baseUrl" | "serviceId" | "payLink", type = "text") =>
    `<label>${escapeHtml(t.fields[name])}<input type="${type}" name="${protocol}_${name}" value="${escapeHtml(value(protocol, name))}"></label>`;
  const radio = (protocol: "ecom" | "qr" | "checkpay") =>
    `<legend><label><input type="radio" name="protocol" value="${protocol}"${chosen === protocol ? " checked" : ""}> ${escapeHtml(t.protocols[protocol])}</label></legend>`;
  const entry = credentials.protocol === "checkpay" ? credentials.values.entry : "online";
  return (
    `<form method="post" action="${escapeHtml(form.action)}">` +
    `<input type="hidden" name="AUTH_ID" value="${escapeHtml(form.authId)}">` +
    `<input type="hidden" name="member_id" value="${escapeHtml(form.memberId)}">` +
    `<input type="hidden" name="nonce" value="${escapeHtml(form.nonce)}">` +
    `<fieldset>${radio("ecom")}${secret("ecom", "token")}${text("ecom", "baseUrl", "url")}</fieldset>` +
    `<fieldset>${radio("qr")}${secret("qr", "apiKey")}${secret("qr", "deviceToken")}${text("qr", "baseUrl", "url")}</fieldset>` +
    `<fieldset>${radio("checkpay")}${text("checkpay", "serviceId")}` +
    `<label>${escapeHtml(t.fields.entryLabel)} <select name="checkpay_entry">` +
    (["online", "link"] as const)
      .map((e) => `<option value="${e}"${entry === e ? " selected" : ""}>${escapeHtml(t.entry[e])}</option>`)
      .join("") +
    `</select></label>${text("checkpay", "payLink", "url")}</fieldset>` +
    `<fieldset><legend>${escapeHtml(t.mode)}</legend>` +
    (["test", "live"] as const)
      .map(
        (m) =>
          `<label><input type="radio" name="mode" value="${m}"${settings.mode === m ? " checked" : ""}> ${escapeHtml(t.modes[m])}</label>`,
      )
      .join("") +
    `</fieldset><button type="submit">${escapeHtml(t.save)}</button></form>`
  );
}
