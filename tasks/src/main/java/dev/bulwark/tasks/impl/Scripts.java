package dev.bulwark.tasks.impl;

/**
 * The Lua scripts of the Redis backend. Each runs atomically, so a task's hash, its stream entry,
 * the delayed and dead sorted sets and the idempotency key never disagree.
 *
 * <p>Conventions: {@code KEYS[1]} the stream, {@code KEYS[2]} the delayed set, {@code KEYS[3]}
 * the dead set; {@code ARGV[1]} the key prefix ({@code {bulwark:tasks:<name>}}, a Cluster hash
 * tag, so per-task keys built from it live in the same slot), {@code ARGV[2]} the group. A task's
 * hash is {@code <prefix>:task:<id>}, its idempotency key {@code <prefix>:idem:<key>}. A stream
 * entry carries only the task id; it is deleted when acknowledged, so the stream holds exactly
 * the waiting and claimed tasks (bounded, and no trimming can drop a pending one). The lease
 * ({@code consumer/entry/attempt}) in the hash names the current claim.
 */
final class Scripts {

  private Scripts() {
  }

  /** Creates the group (from the stream's start) unless it exists. */
  static final String CREATE_GROUP = """
      local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[2], '0', 'MKSTREAM')
      if not ok and not string.find(tostring(err), 'BUSYGROUP') then return redis.error_reply(tostring(err)) end
      return 1
      """;

  /**
   * Submits a batch: after prefix and group, one argument per submit, a JSON array of strings
   * (id, type, payload, max, limitMs, nowMs, dueMs, idemKey, maxQueued, traceparent), so that the
   * client encodes one argument per task instead of ten (a task from a client that sends no
   * traceparent stores an empty one); one {@code code:value} string per submit:
   * {@code 1:id} stored, {@code 0:firstId} for a known idempotency key, {@code -1:depth} when
   * full. The depth is read once per call and counted
   * up; when tasks became ready, one {@code PUBLISH} on {@code <prefix>:ready} wakes idle workers.
   */
  static final String SUBMIT = """
      local depth = nil
      local ready = 0
      local function submit(p, g, id, typ, payload, max, limit, now, due, idem, maxQueued, tp)
        local ik = nil
        if idem ~= '' then
          ik = p .. ':idem:' .. idem
          local first = redis.call('GET', ik)
          if first then return '0:' .. first end
        end
        if not depth then
          local pend = redis.call('XPENDING', KEYS[1], g)
          depth = redis.call('XLEN', KEYS[1]) - pend[1] + redis.call('ZCARD', KEYS[2])
        end
        if depth >= tonumber(maxQueued) then return '-1:' .. depth end
        depth = depth + 1
        local tk = p .. ':task:' .. id
        if tonumber(due) > tonumber(now) then
          redis.call('ZADD', KEYS[2], due, id)
          redis.call('HSET', tk, 'type', typ, 'payload', payload, 'state', 'queued', 'attempts', 0,
            'max', max, 'limit', limit, 'created', now, 'idem', idem, 'tp', tp)
        else
          local sid = redis.call('XADD', KEYS[1], '*', 'id', id)
          redis.call('HSET', tk, 'type', typ, 'payload', payload, 'state', 'queued', 'attempts', 0,
            'max', max, 'limit', limit, 'created', now, 'idem', idem, 'sid', sid, 'ready', now, 'tp', tp)
          ready = ready + 1
        end
        if ik then redis.call('SET', ik, id) end
        return '1:' .. id
      end
      local out = {}
      for i = 3, #ARGV do
        local a = cjson.decode(ARGV[i])
        out[#out + 1] = submit(ARGV[1], ARGV[2], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10] or '')
      end
      if ready > 0 then redis.call('PUBLISH', ARGV[1] .. ':ready', ready) end
      return out
      """;

  /**
   * Shared by claim and reclaim: turns stream entries into claimed tasks for consumer ARGV[3] at
   * ARGV[4], each one JSON array of strings (id, type, payload, attempt, max, limitMs, created,
   * ready, idemKey, lease, entry, cancel, traceparent): one reply element per task rather than
   * thirteen.
   * Entries whose task is gone or final are acknowledged and deleted.
   */
  private static final String TAKE = """
      local function take(entries, p, g, c, now)
        local out = {}
        for _, e in ipairs(entries) do
          local sid = e[1]
          local id = nil
          if e[2] then id = e[2][2] end
          local tk = nil
          local h = nil
          if id then
            tk = p .. ':task:' .. id
            h = redis.call('HMGET', tk, 'state', 'type', 'payload', 'max', 'limit', 'created', 'ready', 'idem', 'cancel', 'sid', 'attempts', 'tp')
          end
          if (not h) or (not h[1]) or (h[10] ~= sid) or not (h[1] == 'queued' or h[1] == 'running') then
            redis.call('XACK', KEYS[1], g, sid)
            redis.call('XDEL', KEYS[1], sid)
          else
            local attempt = (tonumber(h[11]) or 0) + 1
            local lease = c .. '/' .. sid .. '/' .. attempt
            redis.call('HSET', tk, 'attempts', attempt, 'state', 'running', 'started', now, 'lease', lease)
            out[#out + 1] = cjson.encode({id, h[2] or '', h[3] or '', tostring(attempt), h[4] or '1',
              h[5] or '0', h[6] or now, h[7] or now, h[8] or '', lease, sid, h[9] or '', h[12] or ''})
          end
        end
        return out
      end
      """;

  /** ARGV: prefix, group, consumer, nowMs, count, '>' or '0'. */
  static final String CLAIM = TAKE + """
      local p, g, c, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
      local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 500)
      if #due > 2 * tonumber(ARGV[5]) then redis.call('PUBLISH', p .. ':ready', #due / 2) end
      for i = 1, #due, 2 do
        local id = due[i]
        redis.call('ZREM', KEYS[2], id)
        local tk = p .. ':task:' .. id
        local st = redis.call('HGET', tk, 'state')
        if st == 'queued' or st == 'failed' then
          local sid = redis.call('XADD', KEYS[1], '*', 'id', id)
          redis.call('HSET', tk, 'sid', sid, 'state', 'queued', 'ready', due[i + 1])
        end
      end
      local res = redis.call('XREADGROUP', 'GROUP', g, c, 'COUNT', ARGV[5], 'STREAMS', KEYS[1], ARGV[6])
      if not res then return {} end
      return take(res[1][2], p, g, c, now)
      """;

  /**
   * ARGV: prefix, group, consumer, nowMs, count, minIdleMs, start. Returns the cursor for the next
   * call (0-0 after a full pass over the pending list), then the claimed tasks.
   */
  static final String RECLAIM = TAKE + """
      local res = redis.call('XAUTOCLAIM', KEYS[1], ARGV[2], ARGV[3], ARGV[6], ARGV[7], 'COUNT', ARGV[5])
      local out = take(res[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
      table.insert(out, 1, res[1])
      return out
      """;

  /** ARGV: prefix, group, consumer, then (id, lease, entry) triples; one outcome per task. */
  static final String HEARTBEAT = """
      local out = {}
      for i = 4, #ARGV, 3 do
        local tk = ARGV[1] .. ':task:' .. ARGV[i]
        local h = redis.call('HMGET', tk, 'lease', 'cancel')
        if h[1] == ARGV[i + 1] then
          redis.call('XCLAIM', KEYS[1], ARGV[2], ARGV[3], 0, ARGV[i + 2], 'JUSTID')
          if h[2] == '1' then out[#out + 1] = 2 else out[#out + 1] = 1 end
        else
          out[#out + 1] = 0
        end
      end
      return out
      """;

  /**
   * Ends claimed attempts: after prefix and group, one argument per outcome, a JSON array of
   * strings (id, lease, entry, outcome, nowMs, ttlMs, value, retryAt) where outcome is succeeded (value: result), failed (value: error; waits
   * until retryAt), dead, cancelled or release; one 1 (done) or 0 (lease lost) per outcome. The
   * entries of the whole group are acknowledged and deleted by one {@code XACK} and one
   * {@code XDEL}.
   */
  static final String FINISH = """
      local acked = {}
      local requeued = 0
      local function finish(p, g, id, lease, sid, outcome, now, ttl, value, retryAt)
        local tk = p .. ':task:' .. id
        local h = redis.call('HMGET', tk, 'lease', 'idem')
        if h[1] ~= lease then return 0 end
        acked[#acked + 1] = sid
        redis.call('HDEL', tk, 'lease', 'sid')
        if outcome == 'release' then
          local nsid = redis.call('XADD', KEYS[1], '*', 'id', id)
          redis.call('HINCRBY', tk, 'attempts', -1)
          redis.call('HSET', tk, 'state', 'queued', 'sid', nsid, 'ready', now)
          requeued = requeued + 1
          return 1
        end
        if outcome == 'failed' then
          redis.call('HSET', tk, 'state', 'failed', 'error', value)
          redis.call('ZADD', KEYS[2], retryAt, id)
          return 1
        end
        if outcome == 'succeeded' then
          redis.call('HSET', tk, 'state', outcome, 'finished', now, 'result', value, 'progress', '1')
        else
          redis.call('HSET', tk, 'state', outcome, 'finished', now, 'error', value)
        end
        if outcome == 'dead' then redis.call('ZADD', KEYS[3], now, id) end
        redis.call('PEXPIRE', tk, ttl)
        local idem = h[2]
        if idem and idem ~= '' then redis.call('PEXPIRE', p .. ':idem:' .. idem, ttl) end
        return 1
      end
      local out = {}
      for i = 3, #ARGV do
        local a = cjson.decode(ARGV[i])
        out[#out + 1] = finish(ARGV[1], ARGV[2], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8])
      end
      if #acked > 0 then
        redis.call('XACK', KEYS[1], ARGV[2], unpack(acked))
        redis.call('XDEL', KEYS[1], unpack(acked))
      end
      if requeued > 0 then redis.call('PUBLISH', ARGV[1] .. ':ready', requeued) end
      return out
      """;

  /** ARGV: prefix, group, id, nowMs, ttlMs. Returns a Backend.CANCEL_* outcome. */
  static final String CANCEL = """
      local p, g, id = ARGV[1], ARGV[2], ARGV[3]
      local tk = p .. ':task:' .. id
      local h = redis.call('HMGET', tk, 'state', 'sid', 'idem')
      if not h[1] then return 0 end
      if h[1] == 'running' then
        redis.call('HSET', tk, 'cancel', '1')
        return 2
      end
      if h[1] ~= 'queued' and h[1] ~= 'failed' then return 3 end
      redis.call('ZREM', KEYS[2], id)
      if h[2] then
        redis.call('XACK', KEYS[1], g, h[2])
        redis.call('XDEL', KEYS[1], h[2])
      end
      redis.call('HSET', tk, 'state', 'cancelled', 'finished', ARGV[4])
      redis.call('HDEL', tk, 'sid')
      redis.call('PEXPIRE', tk, ARGV[5])
      if h[3] and h[3] ~= '' then redis.call('PEXPIRE', p .. ':idem:' .. h[3], ARGV[5]) end
      return 1
      """;

  /** ARGV: prefix, group, id, lease, fraction, message. */
  static final String PROGRESS = """
      local tk = ARGV[1] .. ':task:' .. ARGV[3]
      if redis.call('HGET', tk, 'lease') ~= ARGV[4] then return 0 end
      redis.call('HSET', tk, 'progress', ARGV[5], 'pmsg', ARGV[6])
      return 1
      """;

  /** ARGV: prefix, group, limit, nowMs, deadTtlMs. Returns flat field lists, newest first. */
  static final String DEAD_LETTERS = """
      redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[5]))
      local ids = redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[3]) - 1)
      local out = {}
      for _, id in ipairs(ids) do
        local f = redis.call('HGETALL', ARGV[1] .. ':task:' .. id)
        if #f == 0 then
          redis.call('ZREM', KEYS[3], id)
        else
          f[#f + 1] = 'id'
          f[#f + 1] = id
          out[#out + 1] = f
        end
      end
      return out
      """;

  /** ARGV: prefix, group, id, nowMs, 'retry' or 'discard'. */
  static final String DEAD_ACTION = """
      local p, id = ARGV[1], ARGV[3]
      local tk = p .. ':task:' .. id
      if redis.call('HGET', tk, 'state') ~= 'dead' then return 0 end
      redis.call('ZREM', KEYS[3], id)
      local idem = redis.call('HGET', tk, 'idem')
      if ARGV[5] == 'discard' then
        redis.call('DEL', tk)
        if idem and idem ~= '' then redis.call('DEL', p .. ':idem:' .. idem) end
        return 1
      end
      redis.call('PERSIST', tk)
      if idem and idem ~= '' then redis.call('PERSIST', p .. ':idem:' .. idem) end
      local sid = redis.call('XADD', KEYS[1], '*', 'id', id)
      redis.call('HSET', tk, 'state', 'queued', 'attempts', 0, 'sid', sid, 'ready', ARGV[4])
      redis.call('HDEL', tk, 'finished', 'cancel')
      redis.call('PUBLISH', p .. ':ready', 1)
      return 1
      """;

  /** ARGV: prefix, group, nowMs. Returns {depth, oldest waiting age in ms or -1}. */
  static final String STATS = """
      local g, now = ARGV[2], tonumber(ARGV[3])
      local pend = redis.call('XPENDING', KEYS[1], g)
      local depth = redis.call('XLEN', KEYS[1]) - pend[1] + redis.call('ZCARD', KEYS[2])
      local oldest = -1
      local last = '0-0'
      for _, grp in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
        local name, ld = nil, nil
        for i = 1, #grp, 2 do
          if grp[i] == 'name' then name = grp[i + 1] end
          if grp[i] == 'last-delivered-id' then ld = grp[i + 1] end
        end
        if name == g then last = ld end
      end
      local nxt = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)
      if #nxt > 0 then
        local ms = tonumber(string.match(nxt[1][1], '^(%d+)'))
        oldest = math.max(0, now - ms)
      end
      local d = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
      if #d > 0 and tonumber(d[2]) <= now then oldest = math.max(oldest, now - tonumber(d[2])) end
      return {depth, oldest}
      """;
}
