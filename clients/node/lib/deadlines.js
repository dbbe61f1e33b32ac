'use strict';
// Local timeouts for outstanding requests, at O(1) a request and one timer
// per connection. Requests given the same timeout expire in the order they
// were sent, so each distinct timeout keeps a first-in first-out queue and
// only the heads are ever compared. A request answered in time stays in its
// queue, marked, until it reaches the head or the queue is compacted.

const { performance } = require('perf_hooks');

class Queue {
  constructor(ms) {
    this.ms = ms;
    this.items = [];
    this.head = 0;
    this.live = 0; // items not yet answered or expired
  }
}

class Deadlines {
  // expire(item) is called for each item whose time ran out; an item is any
  // object, to which add() gives the fields deadline and dq.
  constructor(expire) {
    this.expire = expire;
    this.queues = new Map();
    this.live = 0;
    this.timer = null;
    this.timerAt = Infinity;
    this.onTimer = () => this.fire();
  }

  add(item, ms) {
    let q = this.queues.get(ms);
    if (q === undefined) {
      q = new Queue(ms);
      this.queues.set(ms, q);
    }
    const now = performance.now();
    item.deadline = now + ms;
    item.dq = q;
    q.items.push(item);
    q.live++;
    this.live++;
    if (item.deadline < this.timerAt) this.arm(item.deadline, now);
  }

  // The item was answered: it will not expire.
  remove(item) {
    const q = item.dq;
    if (q === null) return;
    item.dq = null;
    q.live--;
    this.live--;
    if (this.live === 0) {
      this.clear();
    } else if (q.items.length - q.head > 2 * q.live + 1024) {
      q.items = q.items.slice(q.head).filter((it) => it.dq === q);
      q.head = 0;
    }
  }

  // Forget every item, expiring none.
  clear() {
    for (const q of this.queues.values()) {
      for (let i = q.head; i < q.items.length; i++) q.items[i].dq = null;
    }
    this.queues.clear();
    this.live = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  arm(at, now) {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    // (setTimeout takes at most 2^31 - 1 ms; a later deadline is armed again)
    this.timer = setTimeout(this.onTimer, Math.min(Math.max(1, Math.ceil(at - now)), 0x7fffffff));
    this.timer.unref();
  }

  fire() {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    const due = [];
    let next = Infinity;
    for (const q of this.queues.values()) {
      while (q.head < q.items.length) {
        const it = q.items[q.head];
        if (it.dq === q) {
          if (it.deadline > now) {
            if (it.deadline < next) next = it.deadline;
            break;
          }
          it.dq = null;
          q.live--;
          this.live--;
          due.push(it);
        }
        q.items[q.head++] = undefined;
      }
      if (q.head === q.items.length) {
        this.queues.delete(q.ms);
      } else if (q.head > 1024 && 2 * q.head > q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
    }
    if (next !== Infinity) this.arm(next, now);
    for (const it of due) this.expire(it);
  }
}

module.exports = { Deadlines };
