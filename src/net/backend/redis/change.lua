-- One zlist command on the list kept in Redis, in one atomic step: the request tag's
-- check, the limits, the seed's rules, the change, its number (INCR), its entry in the
-- change stream (XADD) and the reply recorded under the tag. Every check comes before the
-- first write, so a refusal changes nothing.
--
-- KEYS: 1 list, 2 version, 3 epoch, 4 changes (stream), 5 bytes, 6 tag (this client's)
-- ARGV: 1 operation, 2 tag's sequence number ('' when untagged), 3 tag expiry (seconds),
--       4 stream MAXLEN, 5 max element bytes, 6 max elements, 7 max list bytes,
--       8 the epoch to start with when the store has none, 9 the command's text (recorded
--       with a tagged reply, so a repeat is answered in the words of what was applied),
--       10.. the operation's arguments
--
-- Returns {'ok', version, epoch, op, a, b} for an applied change, {'found'} or
-- {'not_found'} for a search, {'err', code, value} for a refusal, {'stale', last seq}
-- for a tag older than the client's last, {'repeat', command text, ...} (the recorded
-- command and result) for the client's last tag again.

local list, kversion, kepoch, kchanges, kbytes, ktag =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op, seq = ARGV[1], ARGV[2]
local max_element, max_elements, max_bytes =
  tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
-- Never an element: elements are valid UTF-8, and 0xFF never is.
local MARK = '\255zlist-mark\255'

-- Sequence numbers are decimal u64 (past a double's precision): compared as text.
local function seq_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end

if seq ~= '' then
  local seen = redis.call('GET', ktag)
  if seen then
    local cut = string.find(seen, '\n', 1, true)
    local last = string.sub(seen, 1, cut - 1)
    if last == seq then
      local result = cjson.decode(string.sub(seen, cut + 1))
      table.insert(result, 1, 'repeat')
      return result
    elseif seq_less(seq, last) then
      return {'stale', last}
    end
  end
end

local function finish(result, effect)
  if effect then
    local version = redis.call('INCR', kversion)
    local epoch = redis.call('GET', kepoch)
    if not epoch then
      epoch = ARGV[8]
      redis.call('SET', kepoch, epoch)
    end
    local entry = {'XADD', kchanges, 'MAXLEN', '~', ARGV[4], version .. '-1', 'e', epoch,
      'op', effect[1]}
    if effect[2] then
      table.insert(entry, 'a')
      table.insert(entry, effect[2])
    end
    if effect[3] then
      table.insert(entry, 'b')
      table.insert(entry, effect[3])
    end
    local added = redis.pcall(unpack(entry))
    if type(added) == 'table' and added.err then
      -- The stream holds newer numbers than the version (its key was reset by hand):
      -- start it again; followers see the gap and resync.
      redis.call('DEL', kchanges)
      redis.call(unpack(entry))
    end
    result = {'ok', tostring(version), epoch, effect[1], effect[2] or '', effect[3] or ''}
  end
  if seq ~= '' then
    local record = {ARGV[9]}
    for _, value in ipairs(result) do
      table.insert(record, value)
    end
    redis.call('SET', ktag, seq .. '\n' .. cjson.encode(record), 'EX', ARGV[3])
  end
  return result
end

-- The list's bytes, counted once when the counter is missing (a list loaded by hand).
local function total_bytes()
  local counted = redis.call('GET', kbytes)
  if counted then return tonumber(counted) end
  local n, sum, i = redis.call('LLEN', list), 0, 0
  while i < n do
    for _, element in ipairs(redis.call('LRANGE', list, i, i + 999)) do
      sum = sum + #element
    end
    i = i + 1000
  end
  redis.call('SET', kbytes, sum)
  return sum
end

-- Puts x before index i of a list of n elements (0 <= i <= n).
local function insert_at(i, n, x)
  if i == n then
    redis.call('RPUSH', list, x)
  elseif i == 0 then
    redis.call('LPUSH', list, x)
  else
    local old = redis.call('LINDEX', list, i)
    redis.call('LSET', list, i, MARK)
    redis.call('LINSERT', list, 'BEFORE', MARK, x)
    redis.call('LSET', list, i + 1, old)
  end
end

-- Takes out the element at index i of a list of n elements (0 <= i < n).
local function remove_at(i, n)
  if i == 0 then
    redis.call('LPOP', list)
  elseif i == n - 1 then
    redis.call('RPOP', list)
  else
    redis.call('LSET', list, i, MARK)
    redis.call('LREM', list, 1, MARK)
  end
end

-- The refusal when the row at i does not hold what the client saw there, or nil.
local function check_row(i, n, expected)
  if i >= n then return {'err', 'stale_index', tostring(n)} end
  local found = redis.call('LINDEX', list, i)
  if found ~= expected then return {'err', 'stale_row', found} end
  return nil
end

-- The refusal when adding x (growing the list by growth bytes) breaks a limit, or nil.
local function over_limits(x, growth, counts_elements, n)
  if #x > max_element then return {'err', 'too_big'} end
  if counts_elements and n >= max_elements then return {'err', 'full', tostring(n)} end
  local bytes = total_bytes()
  if bytes + growth > max_bytes then return {'err', 'over_bytes', tostring(bytes)} end
  return nil
end

local n = redis.call('LLEN', list)

if op == 'append' then
  local x = ARGV[10]
  local refusal = over_limits(x, #x, true, n)
  if refusal then return finish(refusal) end
  redis.call('RPUSH', list, x)
  redis.call('INCRBY', kbytes, #x)
  return finish(nil, {'append', x})
elseif op == 'insert' then
  local i, x = tonumber(ARGV[10]), ARGV[11]
  local refusal = over_limits(x, #x, true, n)
  if refusal then return finish(refusal) end
  if i < 0 or i > n then return finish({'err', 'position'}) end
  insert_at(i, n, x)
  redis.call('INCRBY', kbytes, #x)
  return finish(nil, {'insert', tostring(i), x})
elseif op == 'remove' then
  local x = ARGV[10]
  local i = redis.call('LPOS', list, x)
  if not i then return finish({'err', 'absent'}) end
  total_bytes()
  redis.call('LREM', list, 1, x)
  redis.call('DECRBY', kbytes, #x)
  return finish(nil, {'remove', tostring(i)})
elseif op == 'search' then
  if redis.call('LPOS', list, ARGV[10]) then return finish({'found'}) end
  return finish({'not_found'})
elseif op == 'sort_asc' or op == 'sort_desc' then
  -- With STORE, SORT ... ALPHA compares bytes (code point order for UTF-8, as Python),
  -- not the server's locale.
  if n > 1 then
    if op == 'sort_asc' then
      redis.call('SORT', list, 'ALPHA', 'STORE', list)
    else
      redis.call('SORT', list, 'ALPHA', 'DESC', 'STORE', list)
    end
  end
  return finish(nil, {op})
elseif op == 'clear' then
  redis.call('DEL', list)
  redis.call('SET', kbytes, 0)
  return finish(nil, {'clear'})
elseif op == 'remove_at' then
  local i, expected = tonumber(ARGV[10]), ARGV[11]
  local refusal = check_row(i, n, expected)
  if refusal then return finish(refusal) end
  total_bytes()
  remove_at(i, n)
  redis.call('DECRBY', kbytes, #expected)
  return finish(nil, {'remove', tostring(i)})
elseif op == 'replace_at' then
  local i, expected, x = tonumber(ARGV[10]), ARGV[11], ARGV[12]
  local growth = #x - #expected
  if growth < 0 then growth = 0 end
  local refusal = over_limits(x, growth, false, n) or check_row(i, n, expected)
  if refusal then return finish(refusal) end
  redis.call('LSET', list, i, x)
  redis.call('INCRBY', kbytes, #x - #expected)
  return finish(nil, {'replace', tostring(i), x})
elseif op == 'move' then
  local from, to, expected = tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]
  local refusal = check_row(from, n, expected)
  if refusal then return finish(refusal) end
  if to >= n then return finish({'err', 'stale_target', tostring(n)}) end
  remove_at(from, n)
  insert_at(to, n - 1, expected)
  return finish(nil, {'move', tostring(from), tostring(to)})
end
return redis.error_reply('zlist: unknown operation ' .. op)
