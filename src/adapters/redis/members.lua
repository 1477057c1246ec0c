-- A presence channel's members with the membership version they reflect.
-- KEYS[1] presence members hash (user id -> user_info JSON)
-- KEYS[2] membership version (string, see version.lua)
-- Returns {version, {user id, user_info JSON, ...}}.
return {read_version(KEYS[2]), redis.call('HGETALL', KEYS[1])}
