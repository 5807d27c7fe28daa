import { spawn } from "node:child_process";

/**
 * Runs `npm run bitrix24:register` as a merchant would, against a stand-in portal's webhook.
 * Asynchronous on purpose: the stand-in portal answers from the test's own process. Without `mode`
 * the command's default (IFRAME_DATA) is used.
 */
export function runBitrix24Register(options: {
  webhook: string;
  appUrl: string;
  secret: string;
  mode?: string;
}): Promise<{ status: number | null; output: string }> {
  const args = ["run", "--silent", "bitrix24:register", "--", "--webhook", options.webhook, "--app-url", options.appUrl];
  if (options.mode) args.push("--mode", options.mode);
  return new Promise((resolve) => {
    const child = spawn("npm", args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", BITRIX_SHARED_SECRET: options.secret },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (status) => resolve({ status, output }));
  });
}
