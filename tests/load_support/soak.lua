-- wrk script of tests/load.rs: a mixed stream of signed native calls, each
-- signed when it is sent (signature v1: HMAC-SHA256, a fresh nonce, the
-- current time), so a run can last longer than the bridge's clock-skew window
-- and no nonce is ever sent twice.
--
-- Arguments (after `--`): key id, secret, then the orders to write to as
-- `id:status` (each write keeps the order's status and adds a history
-- comment `soak-<run>-<thread>-<n>`, unique in the run).
-- Of every 10 calls: 5 `product.list count=20`, 1 `product.count`,
-- 2 `order.list count=10`, 2 `order.update`.
-- `done` prints `soak <name> <number>` lines that the test reads.

local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, lshift, ror, tobit, tohex = bit.rshift, bit.lshift, bit.ror, bit.tobit, bit.tohex

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

-- FIPS 180-4 SHA-256 of a byte string; the 32-byte digest.
local function sha256(message)
  local length = #message
  local high = math.floor(length * 8 / 4294967296)
  local low = (length * 8) % 4294967296
  message = message .. "\128" .. string.rep("\0", (55 - length) % 64)
    .. string.char(band(rshift(high, 24), 255), band(rshift(high, 16), 255),
                   band(rshift(high, 8), 255), band(high, 255),
                   band(rshift(low, 24), 255), band(rshift(low, 16), 255),
                   band(rshift(low, 8), 255), band(low, 255))
  local H = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
  local W = {}
  for block = 1, #message, 64 do
    for i = 0, 15 do
      local a, b, c, d = message:byte(block + 4 * i, block + 4 * i + 3)
      W[i] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    end
    for i = 16, 63 do
      local w15, w2 = W[i - 15], W[i - 2]
      local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
      local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
      W[i] = tobit(W[i - 16] + s0 + W[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for i = 0, 63 do
      local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = tobit(h + S1 + ch + K[i + 1] + W[i])
      local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
    end
    H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
    H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
  end
  local out = {}
  for i = 1, 8 do
    local x = H[i]
    out[i] = string.char(band(rshift(x, 24), 255), band(rshift(x, 16), 255),
                         band(rshift(x, 8), 255), band(x, 255))
  end
  return table.concat(out)
end

local function hex(bytes)
  local out = {}
  for i = 1, #bytes do out[i] = string.format("%02x", bytes:byte(i)) end
  return table.concat(out)
end

-- Each byte of `bytes` XORed with `pad`.
local function xor_bytes(bytes, pad)
  local out = {}
  for i = 1, #bytes do out[i] = string.char(bxor(bytes:byte(i), pad)) end
  return table.concat(out)
end

local function hmac_sha256(key, message)
  if #key > 64 then key = sha256(key) end
  key = key .. string.rep("\0", 64 - #key)
  return sha256(xor_bytes(key, 0x5c) .. sha256(xor_bytes(key, 0x36) .. message))
end

-- The digest is checked against FIPS 180-4's example before any call.
assert(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
       "sha256 self-test failed")
assert(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "HMAC self-test failed")

local threads = {}
local run = os.time()

setup = function(thread)
  thread:set("thread_id", #threads)
  thread:set("run", run)
  threads[#threads + 1] = thread
end

local key_id, secret
local orders = {}
answered_ok, failures, first_failure = 0, 0, ""
local sent = 0

init = function(args)
  key_id, secret = args[1], args[2]
  for i = 3, #args do
    local id, status = args[i]:match("^(%d+):(.+)$")
    orders[#orders + 1] = { id = id, status = status }
  end
  assert(#orders > 0, "give at least one id:status to write to")
end

local function signed(http_method, method, query, body)
  local path = "/" .. method .. ".json"
  local timestamp = tostring(os.time())
  local nonce = string.format("soak%d-%d-%d", run, thread_id, sent)
  local to_sign = table.concat({ "CARTBRIDGE-HMAC-SHA256-V1", timestamp, nonce, key_id,
                                 http_method, path, query, hex(sha256(body)) }, "\n")
  local headers = {
    ["X-Cartbridge-Key"] = key_id,
    ["X-Cartbridge-Timestamp"] = timestamp,
    ["X-Cartbridge-Nonce"] = nonce,
    ["X-Cartbridge-Signature"] = "v1=" .. hex(hmac_sha256(secret, to_sign)),
  }
  local url = "/bridge2cart/cartbridge" .. path
  if query ~= "" then url = url .. "?" .. query end
  if body ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(http_method, url, headers, body ~= "" and body or nil)
end

request = function()
  sent = sent + 1
  local slot = sent % 10
  if slot < 5 then
    return signed("GET", "product.list", "count=20", "")
  elseif slot == 5 then
    return signed("GET", "product.count", "", "")
  elseif slot < 8 then
    return signed("GET", "order.list", "count=10", "")
  end
  local order = orders[sent % #orders + 1]
  local body = string.format('{"id":"%s","status":"%s","comment":"soak-%d-%d-%d"}',
                             order.id, order.status, run, thread_id, sent)
  return signed("POST", "order.update", "", body)
end

-- Which call an answer belongs to is not known here (a thread's connections
-- interleave); the test counts reads and writes in nginx's access log.
response = function(status, headers, body)
  if status == 200 then
    answered_ok = answered_ok + 1
  else
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. body:sub(1, 300) end
  end
end

done = function(summary, latency, requests)
  local totals = { answered_ok = 0, failures = 0 }
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
    local failure = thread:get("first_failure")
    if failure ~= "" then io.write("soak first_failure ", failure:gsub("\n", " "), "\n") end
  end
  for name, value in pairs(totals) do io.write("soak ", name, " ", value, "\n") end
end
