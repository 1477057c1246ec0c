/**
 * What this node's sockets in one presence channel were told about its members, with the membership
 * version of each fact (MemberEnvelope.version). Member announcements cross nodes after the change
 * they announce, so one can arrive after a later change made elsewhere (a user who left a draining node
 * is already back on this one when that node's member_removed lands). The view passes an announcement
 * only while it agrees with the newest fact known here: what a read of the shared state would
 * decide, without the read, so announcements keep their place among the channel's other events.
 */

interface Fact {
  version: number;
  present: boolean;
  info?: unknown;
}

export class MemberView {
  private readonly facts = new Map<string, Fact>();
  /** Version of the newest member list taken: users absent from it were absent then. */
  private floor = 0;

  /**
   * Whether to deliver an announcement of `userId` joining (`present`) or leaving at `version`.
   * - An announcement that a later change overtook passes only if it agrees with that later fact (a
   *   socket that missed the join still learns of a member who is there), never if it contradicts it.
   * - A `repair` (a member written back after Redis lost its data or was out of reach) passes only if it
   *   changes what the sockets here were told: no second member_added for a member they have.
   * Version 0 (an answer made without the shared state, during an outage) always passes and does not
   * move the version. The newest fact is recorded.
   */
  admit(userId: string, present: boolean, version: number, info?: unknown, repair = false): boolean {
    const known =
      this.facts.get(userId) ??
      (version !== 0 && version <= this.floor ? { version: this.floor, present: false } : null);
    if (known && version !== 0 && known.version > version) return !repair && known.present === present;
    this.facts.set(userId, { version: version || (known?.version ?? 0), present, info });
    return version === 0 || !repair || !known || known.present !== present;
  }

  /** Local sockets were told whether the user is a member (true unless told it left). */
  believes(userId: string): boolean {
    return this.facts.get(userId)?.present ?? true;
  }

  /**
   * A joining socket received this member list, taken at `version`. Facts newer than the list are
   * returned, so the joiner can be told what changed since it was taken.
   */
  took(
    members: ReadonlyMap<string, unknown>,
    version: number,
  ): { added: Map<string, unknown>; removed: string[] } {
    const added = new Map<string, unknown>();
    const removed: string[] = [];
    for (const [id, fact] of this.facts) {
      if (fact.version > version) {
        if (fact.present && !members.has(id)) added.set(id, fact.info);
        else if (!fact.present && members.has(id)) removed.push(id);
      } else if (!members.has(id) && version !== 0) {
        // Covered by the floor below: forget it, so departed users do not pile up.
        this.facts.delete(id);
      }
    }
    if (version === 0) return { added, removed };
    for (const [id, info] of members) {
      const fact = this.facts.get(id);
      if (!fact || fact.version <= version) this.facts.set(id, { version, present: true, info });
    }
    if (version > this.floor) this.floor = version;
    return { added, removed };
  }

  /** The cluster's members now (after an outage): what the sockets lack, recorded as told. */
  reconcile(
    members: ReadonlyMap<string, unknown>,
    version: number,
  ): { added: Map<string, unknown>; removed: string[] } {
    const added = new Map<string, unknown>();
    const removed: string[] = [];
    for (const [id, info] of members) if (!(this.facts.get(id)?.present ?? false)) added.set(id, info);
    for (const [id, fact] of this.facts) if (fact.present && !members.has(id)) removed.push(id);
    for (const [id, info] of added) this.facts.set(id, { version, present: true, info });
    for (const id of removed) this.facts.set(id, { version, present: false });
    if (version > this.floor) this.floor = version;
    return { added, removed };
  }
}
