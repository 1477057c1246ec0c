/**
 * What this node's sockets in one presence channel were told about its members, with the membership
 * version of each fact (MemberEnvelope.version). Member announcements cross nodes after the change
 * they announce, so one can arrive after a later change made elsewhere (a user who left a draining node
 * is already back on this one when that node's member_removed lands). The view passes an announcement
 * only while it agrees with the newest fact known here: the same answer a read of the shared state
 * would give, without the read, so announcements keep their place among the channel's other events.
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
   * Whether to deliver an announcement of `userId` joining (`present`) or leaving at `version`; it is
   * recorded when it is the newest fact. Version 0 (an answer made without the shared state, during an
   * outage) is always delivered and recorded without moving the version.
   */
  admit(userId: string, present: boolean, version: number, info?: unknown): boolean {
    const known = this.facts.get(userId);
    const newest =
      known ?? (version !== 0 && version <= this.floor ? { version: this.floor, present: false } : null);
    if (newest && version !== 0 && newest.version > version) return newest.present === present;
    this.facts.set(userId, { version: version || (known?.version ?? 0), present, info });
    return true;
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
