-- Orders in id order: `id` is sales_order.entity_id (what the admin's URLs
-- and the other tables use); the order number customers see, increment_id,
-- is given as invoice_prefix, and invoice_no is the number of the order's
-- first invoice. status_id is the status code (pending, processing, ...;
-- the state is Magento's own grouping of statuses), its name the store
-- view's label, else the status's own. Amounts are the base currency's
-- (base_*); currency is the one the customer paid in. Addresses are the
-- order's own copies (sales_order_address); the customer's telephone is
-- the billing address's. Lines and totals: order.products, order.totals.
SELECT o.entity_id AS id,
       o.increment_id AS invoice_prefix,
       (SELECT MIN(CAST(i.increment_id AS UNSIGNED)) FROM {prefix}sales_invoice i
         WHERE i.order_id = o.entity_id) AS invoice_no,
       o.status AS status_id,
       COALESCE((SELECT l.label FROM {prefix}sales_order_status_label l
                  WHERE l.status = o.status AND l.store_id = :lang_id), os.label) AS status,
       o.customer_id AS customer__id,
       o.customer_email AS customer__email,
       o.customer_firstname AS customer__first_name,
       o.customer_lastname AS customer__last_name,
       ba.telephone AS customer__telephone,
       o.customer_group_id AS customer__customer_group_id,
       ba.firstname AS billing_address__first_name,
       ba.lastname AS billing_address__last_name,
       ba.company AS billing_address__company,
       SUBSTRING_INDEX(ba.street, CHAR(10), 1) AS billing_address__address_1,
       NULLIF(SUBSTRING(ba.street, CHAR_LENGTH(SUBSTRING_INDEX(ba.street, CHAR(10), 1)) + 2), '') AS billing_address__address_2,
       ba.city AS billing_address__city,
       ba.postcode AS billing_address__postcode,
       ba.country_id AS billing_address__country,
       NULL AS billing_address__country_id,
       ba.region AS billing_address__zone,
       ba.region_id AS billing_address__zone_id,
       sa.firstname AS shipping_address__first_name,
       sa.lastname AS shipping_address__last_name,
       sa.company AS shipping_address__company,
       SUBSTRING_INDEX(sa.street, CHAR(10), 1) AS shipping_address__address_1,
       NULLIF(SUBSTRING(sa.street, CHAR_LENGTH(SUBSTRING_INDEX(sa.street, CHAR(10), 1)) + 2), '') AS shipping_address__address_2,
       sa.city AS shipping_address__city,
       sa.postcode AS shipping_address__postcode,
       sa.country_id AS shipping_address__country,
       NULL AS shipping_address__country_id,
       sa.region AS shipping_address__zone,
       sa.region_id AS shipping_address__zone_id,
       COALESCE(JSON_UNQUOTE(JSON_EXTRACT(pay.additional_information, '$.method_title')), pay.method) AS payment_method,
       o.shipping_description AS shipping_method,
       o.order_currency_code AS currency,
       o.base_to_order_rate AS currency_value,
       o.base_grand_total AS total,
       o.customer_note AS comment,
       o.store_id AS store_id,
       o.created_at AS created_at,
       o.updated_at AS modified_at
FROM {prefix}sales_order o
LEFT JOIN {prefix}sales_order_status os ON os.status = o.status
LEFT JOIN {prefix}sales_order_address ba
       ON ba.entity_id = (SELECT MIN(b.entity_id) FROM {prefix}sales_order_address b
                          WHERE b.parent_id = o.entity_id AND b.address_type = 'billing')
LEFT JOIN {prefix}sales_order_address sa
       ON sa.entity_id = (SELECT MIN(s.entity_id) FROM {prefix}sales_order_address s
                          WHERE s.parent_id = o.entity_id AND s.address_type = 'shipping')
LEFT JOIN {prefix}sales_order_payment pay
       ON pay.entity_id = (SELECT MIN(p.entity_id) FROM {prefix}sales_order_payment p
                           WHERE p.parent_id = o.entity_id)
WHERE o.entity_id > :after AND o.entity_id <= :until
  AND (:ids_count = 0 OR o.entity_id IN (:ids))
  AND (:status IS NULL OR o.status = :status)
  AND (:customer_id IS NULL OR o.customer_id = :customer_id)
  AND (:created_from IS NULL OR o.created_at >= :created_from)
  AND (:created_to IS NULL OR o.created_at <= :created_to)
  AND (:modified_from IS NULL OR o.updated_at >= :modified_from)
  AND (:modified_to IS NULL OR o.updated_at <= :modified_to)
  AND (:store_id IS NULL OR o.store_id = :store_id)
ORDER BY o.entity_id
LIMIT :limit OFFSET :offset
