-- The orders order.list lists (current_state 0 left out unless asked for).
SELECT COUNT(*) AS count
FROM {prefix}orders o
WHERE ((:status IS NULL AND o.current_state > 0) OR CAST(o.current_state AS CHAR) = :status)
  AND (:customer_id IS NULL OR o.id_customer = :customer_id)
  AND (:created_from IS NULL OR o.date_add >= :created_from)
  AND (:created_to IS NULL OR o.date_add <= :created_to)
  AND (:modified_from IS NULL OR o.date_upd >= :modified_from)
  AND (:modified_to IS NULL OR o.date_upd <= :modified_to)
  AND (:store_id IS NULL OR o.id_shop = COALESCE(NULLIF(:store_id, 0),
         (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
           WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1)))
