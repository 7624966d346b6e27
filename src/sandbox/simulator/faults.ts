/**
 * Faults a test can inject into the simulated server. Each one is a small, explicit switch; all are off
 * until set, and `clear()` turns everything off again.
 */
export interface SendRefusal {
  /** The `error` attr of the server ack, e.g. 463 (restricted / no tctoken), 479 (smax-invalid), 429. */
  errorCode: number;
  /** How many sends to refuse; `undefined` refuses until cleared. */
  remaining: number | undefined;
}

export class FaultPlan {
  private refusal: SendRefusal | undefined;
  /** Extra delay before every delivery/read receipt reaches the sender. */
  receiptDelayMs = 0;
  /** Receipts not to send at all (the sender never hears of delivery/read). */
  dropReceipts = false;
  /** Delay applied to every frame the server sends. */
  outgoingDelayMs = 0;
  /** Inbound messages to send with a ciphertext the device cannot decrypt (recovered via retry receipt). */
  undecryptableInbound = 0;

  /** Refuses the next `count` outbound sends (or all until cleared) with `errorCode` in the ack. */
  refuseSends(errorCode: number, count?: number): void {
    this.refusal = { errorCode, remaining: count };
  }

  /** Returns the error code to put in this send's ack, consuming one refusal, or undefined to accept it. */
  takeSendRefusal(): number | undefined {
    const refusal = this.refusal;
    if (!refusal) return undefined;
    if (refusal.remaining !== undefined) {
      refusal.remaining -= 1;
      if (refusal.remaining <= 0) this.refusal = undefined;
    }
    return refusal.errorCode;
  }

  /** Consumes one "undecryptable" token for the next inbound message. */
  takeUndecryptable(): boolean {
    if (this.undecryptableInbound <= 0) return false;
    this.undecryptableInbound -= 1;
    return true;
  }

  clear(): void {
    this.refusal = undefined;
    this.receiptDelayMs = 0;
    this.dropReceipts = false;
    this.outgoingDelayMs = 0;
    this.undecryptableInbound = 0;
  }
}
