-- Store 0 is the default store and has no row of its own.
SELECT 0 AS store_id FROM {prefix}setting s WHERE :id = 0 AND s.store_id = 0 AND s.code = 'config' AND s.`key` = 'config_name'
UNION ALL
SELECT st.store_id FROM {prefix}store st WHERE st.store_id = :id
