/**
 * What a node's sockets in a presence channel were told, by membership version: which member
 * announcements pass (in order, overtaken, repairs, version-0 answers), and what a joiner's member list
 * lacks (`took`) or what a reconcile after an outage adds and removes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemberView } from '../../src/channels/member-view.js';

const list = (...entries: [string, unknown][]) => new Map<string, unknown>(entries);

test('announcements in version order all pass; the newest fact is believed', () => {
  const v = new MemberView();
  assert.equal(v.believes('a'), true, 'nothing told: a member is presumed present');
  assert.equal(v.admit('a', true, 1, { n: 1 }), true);
  assert.equal(v.believes('a'), true);
  assert.equal(v.admit('a', false, 2), true);
  assert.equal(v.believes('a'), false);
  assert.equal(v.admit('a', true, 3, { n: 3 }), true);
  assert.equal(v.believes('a'), true);
});

test('an overtaken announcement passes only if it agrees with the later fact, never as a repair', () => {
  const v = new MemberView();
  assert.equal(v.admit('a', false, 5), true);
  assert.equal(v.admit('a', true, 4, {}), false, 'joined at 4, but left at 5');
  assert.equal(v.believes('a'), false);
  assert.equal(v.admit('a', false, 3), true, 'agrees with the leave at 5');
  assert.equal(v.admit('a', true, 4, {}), false, 'the fact is still the one at 5');
  assert.equal(v.admit('a', false, 4, undefined, true), false, 'an overtaken repair never passes');
  // The same version again is not overtaken: it is recorded and passes as news.
  assert.equal(v.admit('a', false, 5), true);
  assert.equal(v.admit('a', false, 5, undefined, true), false, 'a repair telling nothing new');
  assert.equal(v.admit('a', true, 5, {}, true), true, 'a repair that changes what was told');
  assert.equal(v.believes('a'), true);
});

test('a repair passes only when it changes what the sockets were told', () => {
  const v = new MemberView();
  assert.equal(v.admit('r', true, 1, {}, true), true, 'nothing told yet');
  assert.equal(v.admit('r', true, 2, {}, true), false, 'no second member_added');
  assert.equal(v.admit('r', false, 3, undefined, true), true);
  assert.equal(v.admit('r', false, 4, undefined, true), false);
  assert.equal(v.admit('r', true, 5, {}), true, 'news passes whatever was told');
  assert.equal(v.admit('r', true, 6, {}), true);
});

test('version 0 (an answer made without the shared state) always passes and keeps the version known', () => {
  const v = new MemberView();
  assert.equal(v.admit('z', true, 7), true);
  assert.equal(v.admit('z', false, 0), true);
  assert.equal(v.believes('z'), false);
  assert.equal(v.admit('z', true, 6), false, 'still overtaken by the fact at 7');
  assert.equal(v.admit('z', false, 6), true);
  assert.equal(v.admit('z', true, 0, {}, true), true, 'a version-0 repair passes too');

  assert.equal(v.admit('n', true, 0), true, 'unknown user');
  assert.equal(v.admit('n', false, 1), true, 'its version 0 overtakes nothing');
  assert.equal(v.admit('n', true, 0, {}, true), true);
  assert.equal(
    v.admit('n', true, 1, {}, true),
    false,
    'recorded as present: a repair saying so is nothing new',
  );
  assert.equal(v.admit('z', true, 0, {}, true), true, 'a version-0 repair telling nothing new passes');
});

test('version 0 under a floor: recorded at version 0, not at the floor', () => {
  const v = new MemberView();
  v.took(list(['a', 'A']), 5);
  assert.equal(v.admit('n', true, 0, {}), true);
  assert.equal(v.believes('n'), true);
  assert.equal(
    v.admit('n', false, 3),
    true,
    'the version-0 join overtakes nothing, the floor no longer counts',
  );
});

test('took: what changed after the list was taken is returned; the list is recorded as told at its version', () => {
  const v = new MemberView();
  v.admit('a', true, 3, 'A3');
  v.admit('b', false, 4);
  v.admit('c', true, 6, 'C6');
  v.admit('d', false, 7);
  v.admit('h', false, 5);
  v.admit('c2', true, 6, 'C2');
  v.admit('d2', false, 7);
  // c2 and d2 changed after the list, which already says what they changed to.
  const taken = list(['a', 'A'], ['b', 'B'], ['c2', 'C2'], ['d', 'D'], ['e', 'E'], ['h', 'H']);
  assert.deepEqual(v.took(taken, 5), { added: list(['c', 'C6']), removed: ['d'] });
  assert.equal(v.believes('b'), true, 'the list (5) is newer than the leave (4)');
  assert.equal(v.believes('h'), true, 'the list (5) is as new as the leave (5)');
  assert.equal(v.believes('d'), false, 'the leave (7) is newer than the list');
  assert.equal(v.believes('c'), true);
  // The list was recorded at 5: an announcement older than it is overtaken.
  assert.equal(v.admit('e', false, 4), false);
  assert.equal(v.admit('a', false, 4), false);
  assert.equal(v.admit('a', true, 5, {}, true), false, 'a was in the list: no repair needed');
  assert.equal(v.admit('c', false, 5), false, 'c joined at 6');
});

test('took: users absent from the list were absent at its version (the floor), older facts about them forgotten', () => {
  const v = new MemberView();
  v.admit('g', true, 2, {});
  v.admit('k', false, 2);
  v.took(list(['a', 'A']), 5);
  assert.equal(v.admit('x', true, 4, {}), false, 'never seen: absent at 5, so a join at 4 is overtaken');
  assert.equal(v.admit('x', false, 4), true, 'a leave at 4 agrees');
  assert.equal(v.admit('g', true, 3, {}), false, 'g was absent from the list at 5');
  assert.equal(v.admit('k', true, 3, {}), false);
  assert.equal(v.admit('y', false, 5, undefined, true), false, 'absent at 5 already: nothing to repair');
  assert.equal(v.admit('w', true, 5, {}, true), true, 'a repair at the floor that changes it');
  assert.equal(v.admit('v', false, 6, undefined, true), true, 'above the floor, never told: a repair passes');

  // An older list does not lower the floor.
  v.took(list(), 3);
  assert.equal(v.admit('y3', true, 4, {}), false);
  assert.equal(v.admit('y2', true, 6, {}), true, 'above the floor: news');
});

test('took at version 0 (a list made during an outage): compared, but neither recorded nor a floor', () => {
  const v = new MemberView();
  v.admit('a', true, 3, 'A3');
  v.admit('b', false, 4);
  assert.deepEqual(v.took(list(['b', 'B'], ['new', 'N']), 0), { added: list(['a', 'A3']), removed: ['b'] });
  assert.equal(v.believes('b'), false, 'the fact at 4 stands');
  assert.equal(v.admit('q', true, 1, {}), true, 'no floor');
  assert.equal(v.admit('new', true, 1, {}, true), true, 'not recorded as told');
  assert.equal(v.admit('a', false, 2), false, 'the fact about a is kept');
  // A version-0 fact about a user absent from a version-0 list is kept too.
  v.admit('o', false, 0);
  v.took(list(), 0);
  assert.equal(v.believes('o'), false);
});

test('reconcile: what the sockets lack of the current members is returned and recorded at its version', () => {
  const v = new MemberView();
  v.admit('a', true, 1, 'A1');
  v.admit('b', true, 2, 'B2');
  v.admit('c', false, 3);
  assert.deepEqual(v.reconcile(list(['a', 'A'], ['c', 'C'], ['d', 'D']), 10), {
    added: list(['c', 'C'], ['d', 'D']),
    removed: ['b'],
  });
  assert.equal(v.believes('b'), false);
  assert.equal(v.believes('c'), true);
  assert.equal(v.believes('d'), true);
  assert.equal(v.admit('b', true, 9, {}), false, 'the leave recorded at 10 overtakes it');
  assert.equal(v.admit('d', false, 9), false, 'd recorded present at 10');
  assert.equal(v.admit('a', false, 9), true, 'a was not touched: its fact is the one at 1');
  assert.equal(v.admit('e', true, 9, {}), false, 'the floor is 10');
  assert.equal(v.admit('e', true, 11, {}), true);
  // A reconcile at an older version does not lower the floor.
  v.reconcile(list(), 4);
  assert.equal(v.admit('f', true, 9, {}), false);
});
