SELECT l.id_lang AS id, l.language_code AS code, l.name AS name, l.active AS status
FROM {prefix}lang l
ORDER BY l.id_lang
