/**
 * A request body serialised ahead of sending. The transport sends `text` as it is instead of serialising
 * the body itself, so a large body (a batch create of 1,000 identities) can be serialised while the request
 * before it is in flight, not between that answer and this request.
 */
export class PreparedJson {
  readonly text: string;
  constructor(value: unknown) {
    this.text = JSON.stringify(value);
  }
}
