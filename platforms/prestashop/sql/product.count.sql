-- Products and their combinations, as product.list lists them.
SELECT
  (SELECT COUNT(*)
     FROM {prefix}product p
     JOIN {prefix}product_shop ps ON ps.id_product = p.id_product
    WHERE ps.id_shop = COALESCE(NULLIF(:store_id, 0),
            (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
              WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1))
      AND (:status IS NULL OR ps.active = :status)
      AND (:created_from IS NULL OR p.date_add >= :created_from)
      AND (:created_to IS NULL OR p.date_add <= :created_to)
      AND (:modified_from IS NULL OR p.date_upd >= :modified_from)
      AND (:modified_to IS NULL OR p.date_upd <= :modified_to))
  +
  (SELECT COUNT(*)
     FROM {prefix}product_attribute pa
     JOIN {prefix}product p ON p.id_product = pa.id_product
     JOIN {prefix}product_shop ps ON ps.id_product = p.id_product
     JOIN {prefix}product_attribute_shop pas
       ON pas.id_product_attribute = pa.id_product_attribute AND pas.id_shop = ps.id_shop
    WHERE ps.id_shop = COALESCE(NULLIF(:store_id, 0),
            (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
              WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1))
      AND (:status IS NULL OR ps.active = :status)
      AND (:created_from IS NULL OR p.date_add >= :created_from)
      AND (:created_to IS NULL OR p.date_add <= :created_to)
      AND (:modified_from IS NULL OR p.date_upd >= :modified_from)
      AND (:modified_to IS NULL OR p.date_upd <= :modified_to)) AS count
