-- Customers (not the deleted ones) in id order. PrestaShop marks no
-- default address: it takes a customer's first live address (lowest
-- id_address), and so does this; the telephone is that address's phone
-- (a PrestaShop customer has none of its own), else its mobile phone.
SELECT c.id_customer AS id,
       c.email AS email,
       c.firstname AS first_name,
       c.lastname AS last_name,
       COALESCE(NULLIF(a.phone, ''), NULLIF(a.phone_mobile, '')) AS telephone,
       c.active AS status,
       c.id_default_group AS customer_group_id,
       c.id_shop AS store_id,
       c.newsletter AS newsletter,
       a.firstname AS address__first_name,
       a.lastname AS address__last_name,
       a.company AS address__company,
       a.address1 AS address__address_1,
       a.address2 AS address__address_2,
       a.city AS address__city,
       a.postcode AS address__postcode,
       col.name AS address__country,
       a.id_country AS address__country_id,
       st.name AS address__zone,
       NULLIF(a.id_state, 0) AS address__zone_id,
       c.date_add AS created_at
FROM {prefix}customer c
LEFT JOIN {prefix}address a
       ON a.id_address = (SELECT MIN(fa.id_address) FROM {prefix}address fa
                           WHERE fa.id_customer = c.id_customer AND fa.deleted = 0 AND fa.active = 1)
LEFT JOIN {prefix}country_lang col ON col.id_country = a.id_country AND col.id_lang = :lang_id
LEFT JOIN {prefix}state st ON st.id_state = a.id_state
WHERE c.id_customer > :after AND c.id_customer <= :until
  AND c.deleted = 0
  AND (:ids_count = 0 OR c.id_customer IN (:ids))
  AND (:email IS NULL OR LOWER(c.email) = LOWER(:email))
  AND (:status IS NULL OR c.active = :status)
  AND (:created_from IS NULL OR c.date_add >= :created_from)
  AND (:created_to IS NULL OR c.date_add <= :created_to)
  AND (:store_id IS NULL OR c.id_shop = COALESCE(NULLIF(:store_id, 0),
         (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
           WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1)))
ORDER BY c.id_customer
LIMIT :limit OFFSET :offset
