SELECT os.order_status_id AS id, os.name AS name
FROM {prefix}order_status os
WHERE os.language_id = :lang_id
ORDER BY os.order_status_id
