-- Orders in id order with the customer and both addresses as the order
-- recorded them; totals and lines come from order.totals and order.products.
-- Status 0 marks checkouts that were never completed: left out unless asked for.
SELECT o.order_id AS id,
       o.invoice_prefix AS invoice_prefix,
       o.invoice_no AS invoice_no,
       o.order_status_id AS status_id,
       os.name AS status,
       o.customer_id AS customer__id,
       o.email AS customer__email,
       o.firstname AS customer__first_name,
       o.lastname AS customer__last_name,
       o.telephone AS customer__telephone,
       o.customer_group_id AS customer__customer_group_id,
       o.payment_firstname AS billing_address__first_name,
       o.payment_lastname AS billing_address__last_name,
       o.payment_company AS billing_address__company,
       o.payment_address_1 AS billing_address__address_1,
       o.payment_address_2 AS billing_address__address_2,
       o.payment_city AS billing_address__city,
       o.payment_postcode AS billing_address__postcode,
       o.payment_country AS billing_address__country,
       o.payment_country_id AS billing_address__country_id,
       o.payment_zone AS billing_address__zone,
       o.payment_zone_id AS billing_address__zone_id,
       o.shipping_firstname AS shipping_address__first_name,
       o.shipping_lastname AS shipping_address__last_name,
       o.shipping_company AS shipping_address__company,
       o.shipping_address_1 AS shipping_address__address_1,
       o.shipping_address_2 AS shipping_address__address_2,
       o.shipping_city AS shipping_address__city,
       o.shipping_postcode AS shipping_address__postcode,
       o.shipping_country AS shipping_address__country,
       o.shipping_country_id AS shipping_address__country_id,
       o.shipping_zone AS shipping_address__zone,
       o.shipping_zone_id AS shipping_address__zone_id,
       o.payment_method AS payment_method,
       o.shipping_method AS shipping_method,
       o.currency_code AS currency,
       o.currency_value AS currency_value,
       o.total AS total,
       o.comment AS comment,
       o.store_id AS store_id,
       o.date_added AS created_at,
       o.date_modified AS modified_at
FROM `{prefix}order` o
LEFT JOIN {prefix}order_status os
       ON os.order_status_id = o.order_status_id AND os.language_id = :lang_id
WHERE o.order_id > :after AND o.order_id <= :until
  AND (:ids_count = 0 OR o.order_id IN (:ids))
  AND ((:status IS NULL AND o.order_status_id > 0) OR CAST(o.order_status_id AS CHAR) = :status)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.date_added >= :created_from)
  AND (:created_to IS NULL OR o.date_added <= :created_to)
  AND (:modified_from IS NULL OR o.date_modified >= :modified_from)
  AND (:modified_to IS NULL OR o.date_modified <= :modified_to)
  AND (:store_id IS NULL OR o.store_id = :store_id)
ORDER BY o.order_id
LIMIT :limit OFFSET :offset
