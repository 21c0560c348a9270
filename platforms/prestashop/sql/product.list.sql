-- Products, then their combinations as products of their own: a
-- combination's id is 1000000000 + id_product_attribute (PrestaShop keeps
-- combinations in their own id space; the offset keeps every id unique and
-- the listing one keyset range), its variant_of the product.
-- The shop read is store_id (0 or none: PS_SHOP_DEFAULT): its product_shop
-- price and active flag, its product_lang texts, and its stock_available
-- row (id_shop 0 + id_shop_group when the shop group shares stock).
-- The image is the cover's file under img/: p/ and a folder per digit of
-- its id (p/1/2/3/123.jpg); CHAR(92), a backslash, names the regex group
-- whatever the server's NO_BACKSLASH_ESCAPES.
-- PrestaShop has no model code: model is the supplier's reference.
-- A combination's price is the product's plus its impact, its weight the
-- product's plus its own; name, texts, status and dates are the product's.
SELECT * FROM (
  SELECT p.id_product AS id,
         NULLIF(p.reference, '') AS sku,
         NULLIF(p.supplier_reference, '') AS model,
         pl.name AS name,
         pl.description AS description,
         ps.price AS price,
         sa.quantity AS quantity,
         ps.active AS status,
         NULLIF(p.id_manufacturer, 0) AS manufacturer_id,
         (SELECT CONCAT('p/', REGEXP_REPLACE(i.id_image, '(.)', CONCAT(CHAR(92), '1/')), i.id_image, '.jpg')
            FROM {prefix}image i WHERE i.id_product = p.id_product AND i.cover = 1 LIMIT 1) AS image,
         p.weight AS weight,
         NULL AS variant_of,
         (SELECT GROUP_CONCAT(cp.id_category ORDER BY cp.id_category)
            FROM {prefix}category_product cp
            JOIN {prefix}category c ON c.id_category = cp.id_category
           WHERE cp.id_product = p.id_product AND c.id_parent > 0 AND c.is_root_category = 0) AS categories_ids,
         (SELECT GROUP_CONCAT(pss.id_shop ORDER BY pss.id_shop) FROM {prefix}product_shop pss
           WHERE pss.id_product = p.id_product) AS stores_ids,
         p.date_add AS created_at,
         p.date_upd AS modified_at
  FROM {prefix}product p
  JOIN (SELECT s.id_shop, s.id_shop_group, sg.share_stock
          FROM {prefix}shop s JOIN {prefix}shop_group sg ON sg.id_shop_group = s.id_shop_group
         WHERE s.id_shop = COALESCE(NULLIF(:store_id, 0),
                 (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
                   WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL
                   LIMIT 1))) cur ON 1 = 1
  JOIN {prefix}product_shop ps ON ps.id_product = p.id_product AND ps.id_shop = cur.id_shop
  LEFT JOIN {prefix}product_lang pl
         ON pl.id_product = p.id_product AND pl.id_shop = cur.id_shop AND pl.id_lang = :lang_id
  LEFT JOIN {prefix}stock_available sa
         ON sa.id_product = p.id_product AND sa.id_product_attribute = 0
        AND sa.id_shop = IF(cur.share_stock, 0, cur.id_shop)
        AND sa.id_shop_group = IF(cur.share_stock, cur.id_shop_group, 0)
  WHERE p.id_product > :after AND p.id_product <= :until
    AND (:ids_count = 0 OR p.id_product IN (:ids))
    AND (:status IS NULL OR ps.active = :status)
    AND (:sku IS NULL OR p.reference = :sku)
    AND (:name IS NULL OR pl.name LIKE :name ESCAPE '!' OR pl.name LIKE :name_escaped ESCAPE '!')
    AND (:created_from IS NULL OR p.date_add >= :created_from)
    AND (:created_to IS NULL OR p.date_add <= :created_to)
    AND (:modified_from IS NULL OR p.date_upd >= :modified_from)
    AND (:modified_to IS NULL OR p.date_upd <= :modified_to)
  UNION ALL
  SELECT 1000000000 + pa.id_product_attribute AS id,
         NULLIF(pa.reference, '') AS sku,
         NULLIF(pa.supplier_reference, '') AS model,
         CONCAT(pl.name, ' - ',
                (SELECT GROUP_CONCAT(al.name ORDER BY ag.position, a.position SEPARATOR ', ')
                   FROM {prefix}product_attribute_combination pac
                   JOIN {prefix}attribute a ON a.id_attribute = pac.id_attribute
                   JOIN {prefix}attribute_group ag ON ag.id_attribute_group = a.id_attribute_group
                   JOIN {prefix}attribute_lang al ON al.id_attribute = a.id_attribute AND al.id_lang = :lang_id
                  WHERE pac.id_product_attribute = pa.id_product_attribute)) AS name,
         pl.description AS description,
         ps.price + pas.price AS price,
         sa.quantity AS quantity,
         ps.active AS status,
         NULLIF(p.id_manufacturer, 0) AS manufacturer_id,
         (SELECT CONCAT('p/', REGEXP_REPLACE(pai.id_image, '(.)', CONCAT(CHAR(92), '1/')), pai.id_image, '.jpg')
            FROM {prefix}product_attribute_image pai
           WHERE pai.id_product_attribute = pa.id_product_attribute AND pai.id_image > 0
           ORDER BY pai.id_image LIMIT 1) AS image,
         p.weight + pas.weight AS weight,
         pa.id_product AS variant_of,
         (SELECT GROUP_CONCAT(cp.id_category ORDER BY cp.id_category)
            FROM {prefix}category_product cp
            JOIN {prefix}category c ON c.id_category = cp.id_category
           WHERE cp.id_product = p.id_product AND c.id_parent > 0 AND c.is_root_category = 0) AS categories_ids,
         (SELECT GROUP_CONCAT(pass.id_shop ORDER BY pass.id_shop) FROM {prefix}product_attribute_shop pass
           WHERE pass.id_product_attribute = pa.id_product_attribute) AS stores_ids,
         p.date_add AS created_at,
         p.date_upd AS modified_at
  FROM {prefix}product_attribute pa
  JOIN {prefix}product p ON p.id_product = pa.id_product
  JOIN (SELECT s.id_shop, s.id_shop_group, sg.share_stock
          FROM {prefix}shop s JOIN {prefix}shop_group sg ON sg.id_shop_group = s.id_shop_group
         WHERE s.id_shop = COALESCE(NULLIF(:store_id, 0),
                 (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
                   WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL
                   LIMIT 1))) cur ON 1 = 1
  JOIN {prefix}product_shop ps ON ps.id_product = p.id_product AND ps.id_shop = cur.id_shop
  JOIN {prefix}product_attribute_shop pas
    ON pas.id_product_attribute = pa.id_product_attribute AND pas.id_shop = cur.id_shop
  LEFT JOIN {prefix}product_lang pl
         ON pl.id_product = p.id_product AND pl.id_shop = cur.id_shop AND pl.id_lang = :lang_id
  LEFT JOIN {prefix}stock_available sa
         ON sa.id_product = p.id_product AND sa.id_product_attribute = pa.id_product_attribute
        AND sa.id_shop = IF(cur.share_stock, 0, cur.id_shop)
        AND sa.id_shop_group = IF(cur.share_stock, cur.id_shop_group, 0)
  WHERE pa.id_product_attribute > :after - 1000000000 AND pa.id_product_attribute <= :until - 1000000000
    AND (:ids_count = 0 OR 1000000000 + pa.id_product_attribute IN (:ids))
    AND (:status IS NULL OR ps.active = :status)
    AND (:sku IS NULL OR pa.reference = :sku)
    AND (:name IS NULL OR pl.name LIKE :name ESCAPE '!' OR pl.name LIKE :name_escaped ESCAPE '!')
    AND (:created_from IS NULL OR p.date_add >= :created_from)
    AND (:created_to IS NULL OR p.date_add <= :created_to)
    AND (:modified_from IS NULL OR p.date_upd >= :modified_from)
    AND (:modified_to IS NULL OR p.date_upd <= :modified_to)
) products
ORDER BY id
LIMIT :limit OFFSET :offset
