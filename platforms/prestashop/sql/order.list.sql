-- Orders in id order. The status is current_state with its
-- order_state_lang name; addresses are the order's invoice and delivery
-- address rows (PrestaShop never edits an address an order uses: it copies
-- it); the comment is the customer's checkout message (the `message` row
-- PrestaShop ties to the order). Amounts are in the order's currency. An
-- invoiced order's prefix is PS_INVOICE_PREFIX in the order's language.
-- current_state 0 marks an order that never reached a state (a failed
-- validation): left out unless asked for.
SELECT o.id_order AS id,
       CASE WHEN o.invoice_number > 0 THEN
         (SELECT cl.value FROM {prefix}configuration c
            JOIN {prefix}configuration_lang cl
              ON cl.id_configuration = c.id_configuration AND cl.id_lang = o.id_lang
           WHERE c.name = 'PS_INVOICE_PREFIX' AND c.id_shop IS NULL AND c.id_shop_group IS NULL
           LIMIT 1) END AS invoice_prefix,
       NULLIF(o.invoice_number, 0) AS invoice_no,
       CAST(o.current_state AS CHAR) AS status_id,
       osl.name AS status,
       o.id_customer AS customer__id,
       c.email AS customer__email,
       c.firstname AS customer__first_name,
       c.lastname AS customer__last_name,
       COALESCE(NULLIF(ai.phone, ''), NULLIF(ai.phone_mobile, '')) AS customer__telephone,
       c.id_default_group AS customer__customer_group_id,
       ai.firstname AS billing_address__first_name,
       ai.lastname AS billing_address__last_name,
       ai.company AS billing_address__company,
       ai.address1 AS billing_address__address_1,
       ai.address2 AS billing_address__address_2,
       ai.city AS billing_address__city,
       ai.postcode AS billing_address__postcode,
       cli.name AS billing_address__country,
       ai.id_country AS billing_address__country_id,
       sti.name AS billing_address__zone,
       NULLIF(ai.id_state, 0) AS billing_address__zone_id,
       ad.firstname AS shipping_address__first_name,
       ad.lastname AS shipping_address__last_name,
       ad.company AS shipping_address__company,
       ad.address1 AS shipping_address__address_1,
       ad.address2 AS shipping_address__address_2,
       ad.city AS shipping_address__city,
       ad.postcode AS shipping_address__postcode,
       cld.name AS shipping_address__country,
       ad.id_country AS shipping_address__country_id,
       std.name AS shipping_address__zone,
       NULLIF(ad.id_state, 0) AS shipping_address__zone_id,
       o.payment AS payment_method,
       ca.name AS shipping_method,
       cu.iso_code AS currency,
       o.conversion_rate AS currency_value,
       o.total_paid_tax_incl AS total,
       (SELECT m.message FROM {prefix}message m
         WHERE m.id_order = o.id_order AND m.private = 0 AND m.id_employee = 0
         ORDER BY m.id_message LIMIT 1) AS comment,
       o.id_shop AS store_id,
       o.date_add AS created_at,
       o.date_upd AS modified_at
FROM {prefix}orders o
LEFT JOIN {prefix}order_state_lang osl
       ON osl.id_order_state = o.current_state AND osl.id_lang = :lang_id
LEFT JOIN {prefix}customer c ON c.id_customer = o.id_customer
LEFT JOIN {prefix}address ai ON ai.id_address = o.id_address_invoice
LEFT JOIN {prefix}country_lang cli ON cli.id_country = ai.id_country AND cli.id_lang = :lang_id
LEFT JOIN {prefix}state sti ON sti.id_state = ai.id_state
LEFT JOIN {prefix}address ad ON ad.id_address = o.id_address_delivery
LEFT JOIN {prefix}country_lang cld ON cld.id_country = ad.id_country AND cld.id_lang = :lang_id
LEFT JOIN {prefix}state std ON std.id_state = ad.id_state
LEFT JOIN {prefix}carrier ca ON ca.id_carrier = o.id_carrier
LEFT JOIN {prefix}currency cu ON cu.id_currency = o.id_currency
WHERE o.id_order > :after AND o.id_order <= :until
  AND (:ids_count = 0 OR o.id_order IN (:ids))
  AND ((:status IS NULL AND o.current_state > 0) OR CAST(o.current_state AS CHAR) = :status)
  AND (:customer_id IS NULL OR o.id_customer = :customer_id)
  AND (:created_from IS NULL OR o.date_add >= :created_from)
  AND (:created_to IS NULL OR o.date_add <= :created_to)
  AND (:modified_from IS NULL OR o.date_upd >= :modified_from)
  AND (:modified_to IS NULL OR o.date_upd <= :modified_to)
  AND (:store_id IS NULL OR o.id_shop = COALESCE(NULLIF(:store_id, 0),
         (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
           WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1)))
ORDER BY o.id_order
LIMIT :limit OFFSET :offset
