-- The order states not deleted, named in the language asked for.
SELECT CAST(os.id_order_state AS CHAR) AS id, osl.name AS name
FROM {prefix}order_state os
LEFT JOIN {prefix}order_state_lang osl
       ON osl.id_order_state = os.id_order_state AND osl.id_lang = :lang_id
WHERE os.deleted = 0
ORDER BY os.id_order_state
