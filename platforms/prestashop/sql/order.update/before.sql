SELECT CAST(o.current_state AS CHAR) AS status_id, o.date_upd AS date_upd
FROM {prefix}orders o
WHERE o.id_order = :id
