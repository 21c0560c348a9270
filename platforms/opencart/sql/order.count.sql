-- Status 0 marks checkouts that were never completed: left out unless asked for.
SELECT COUNT(*) AS count
FROM `{prefix}order` o
WHERE 1 = 1
  AND ((:status IS NULL AND o.order_status_id > 0) OR CAST(o.order_status_id AS CHAR) = :status)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.date_added >= :created_from)
  AND (:created_to IS NULL OR o.date_added <= :created_to)
  AND (:modified_from IS NULL OR o.date_modified >= :modified_from)
  AND (:modified_to IS NULL OR o.date_modified <= :modified_to)
  AND (:store_id IS NULL OR o.store_id = :store_id)
