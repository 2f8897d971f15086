// Mails alert records through the SMTP server of the config file (`alertMail`). A request names the
// recipients (VIPER's sendalertemailsto); each must be in one of the configured domains, checked
// before the call does anything, so a token cannot make the server mail arbitrary addresses. At most
// one mail per recipient list, alert kind and source every `frequency` seconds (VIPER's
// emailfrequency): the alert records are written every time, the mail is throttled.
import nodemailer, { type Transporter } from 'nodemailer';
import type { AlertMailSettings } from '../config/config.js';
import type { AlertRecord } from '../streams/index.js';
import { ParameterError, showValue } from './errors.js';

const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*)$/;
/** The most recipients one request may name. */
export const MAX_ALERT_RECIPIENTS = 20;

export interface MailOutcome {
  /** Mails handed to the SMTP server (0 or 1). */
  sent: number;
  /** Why nothing was sent: no alert, throttled, or the delivery error. */
  reason?: string;
}

export class AlertMailer {
  readonly #settings: AlertMailSettings;
  readonly #transport: Transporter;
  readonly #lastSent = new Map<string, number>();
  readonly #now: () => number;

  constructor(settings: AlertMailSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user !== undefined
        ? { auth: { user: settings.user, pass: settings.password ?? '' } }
        : {}),
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  /** The recipients of a request, each checked against the allowed domains; `parameter` names them. */
  recipients(list: readonly string[], parameter: string): string[] {
    if (list.length > MAX_ALERT_RECIPIENTS) {
      throw new ParameterError(parameter, `names ${list.length} addresses; at most ${MAX_ALERT_RECIPIENTS}`);
    }
    return list.map((address) => {
      const m = ADDRESS.exec(address);
      if (m === null)
        throw new ParameterError(parameter, `holds '${showValue(address)}', not an e-mail address`);
      if (!this.#settings.allowedDomains.includes(m[1].toLowerCase())) {
        throw new ParameterError(
          parameter,
          `holds '${showValue(address)}': alert mail goes only to the domains the server allows (${this.#settings.allowedDomains.join(', ')})`,
        );
      }
      return address;
    });
  }

  /** One mail listing the alerts, unless one went to the same recipients within `frequencySeconds`. */
  async send(
    alerts: readonly AlertRecord[],
    to: readonly string[],
    frequencySeconds: number,
    /** Files sent with the mail (a cluster call's PDF report). */
    attachments: ReadonlyArray<{ filename: string; content: Uint8Array; contentType: string }> = [],
  ): Promise<MailOutcome> {
    if (alerts.length === 0 || to.length === 0) return { sent: 0, reason: 'no alert' };
    const key = JSON.stringify([[...to].sort(), alerts[0].kind, alerts[0].source]);
    const last = this.#lastSent.get(key);
    const now = this.#now();
    if (last !== undefined && now - last < frequencySeconds * 1000) {
      return {
        sent: 0,
        reason: `a mail went to the same recipients ${Math.round((now - last) / 1000)} s ago`,
      };
    }
    this.#lastSent.set(key, now);
    try {
      await this.#transport.sendMail({
        from: this.#settings.from,
        to: [...to],
        subject:
          `tml alert: ${alerts[0].message}${alerts.length > 1 ? ` (+${alerts.length - 1})` : ''}`.slice(
            0,
            200,
          ),
        text: alerts
          .map(
            (a) =>
              `${a.createdAt.toISOString()} ${a.kind} ${a.subject}: ${a.message}\n${JSON.stringify(a.details)}`,
          )
          .join('\n\n'),
        ...(attachments.length > 0
          ? {
              attachments: attachments.map((a) => ({
                filename: a.filename,
                content: Buffer.from(a.content),
                contentType: a.contentType,
              })),
            }
          : {}),
      });
      return { sent: 1 };
    } catch (error) {
      this.#lastSent.delete(key);
      return { sent: 0, reason: `delivery failed: ${(error as Error).message}` };
    }
  }

  close(): void {
    this.#transport.close();
  }
}
