SELECT ot.order_total_id AS id,
       ot.code AS code,
       ot.title AS title,
       ot.value AS value,
       ot.sort_order AS sort_order
FROM {prefix}order_total ot
WHERE ot.order_id = :parent_id
ORDER BY ot.sort_order, ot.order_total_id
