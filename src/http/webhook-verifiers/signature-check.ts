/** What every inbound webhook verifier answers, whatever the source's `webhook.format`. */
export type SignatureCheck =
  | {
      ok: true;
      /** The expected HMAC (hex): a stable id of this signed request, for replay detection. */
      digest: string;
    }
  | { ok: false; reason: string };
