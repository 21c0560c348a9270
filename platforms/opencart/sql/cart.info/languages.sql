SELECT l.language_id AS id, l.code AS code, l.name AS name, l.status AS status
FROM {prefix}language l
ORDER BY l.sort_order, l.language_id
