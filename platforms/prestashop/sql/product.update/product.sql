-- product.update. The shop written is store_id (0 or none:
-- PS_SHOP_DEFAULT), the one product.list reads; its stock row is the
-- shop's, or the shop group's (id_shop 0) when the group shares stock.
SET @cb_shop = COALESCE(NULLIF(:store_id, 0),
      (SELECT CAST(d.value AS UNSIGNED) FROM {prefix}configuration d
        WHERE d.name = 'PS_SHOP_DEFAULT' AND d.id_shop IS NULL AND d.id_shop_group IS NULL LIMIT 1));
SELECT IF(sg.share_stock, 0, s.id_shop), IF(sg.share_stock, s.id_shop_group, 0)
  INTO @cb_stock_shop, @cb_stock_group
FROM {prefix}shop s JOIN {prefix}shop_group sg ON sg.id_shop_group = s.id_shop_group
WHERE s.id_shop = @cb_shop;
-- A product (id below 1000000000): price and active flag in product and in
-- the shop's product_shop, which PrestaShop keeps alike.
UPDATE {prefix}product
SET price = COALESCE(CAST(:price AS DECIMAL(20,6)), price),
    active = COALESCE(:status, active),
    date_upd = :now
WHERE :id < 1000000000 AND id_product = :id;
UPDATE {prefix}product_shop
SET price = COALESCE(CAST(:price AS DECIMAL(20,6)), price),
    active = COALESCE(:status, active),
    date_upd = :now
WHERE :id < 1000000000 AND id_product = :id AND id_shop = @cb_shop;
-- A combination: its price is an impact on the product's price, so the
-- new price becomes the difference (product_attribute and the shop's
-- product_attribute_shop). A combination has no active flag of its own:
-- status follows its product and is left alone here.
UPDATE {prefix}product_attribute pa
JOIN {prefix}product_shop ps ON ps.id_product = pa.id_product AND ps.id_shop = @cb_shop
SET pa.price = CAST(:price AS DECIMAL(20,6)) - ps.price
WHERE :id > 1000000000 AND :price IS NOT NULL AND pa.id_product_attribute = :id - 1000000000;
UPDATE {prefix}product_attribute_shop pas
JOIN {prefix}product_shop ps ON ps.id_product = pas.id_product AND ps.id_shop = pas.id_shop
SET pas.price = CAST(:price AS DECIMAL(20,6)) - ps.price
WHERE :id > 1000000000 AND :price IS NOT NULL
  AND pas.id_product_attribute = :id - 1000000000 AND pas.id_shop = @cb_shop;
UPDATE {prefix}product p
JOIN {prefix}product_attribute pa ON pa.id_product = p.id_product
SET p.date_upd = :now
WHERE :id > 1000000000 AND pa.id_product_attribute = :id - 1000000000;
UPDATE {prefix}product_shop ps
JOIN {prefix}product_attribute pa ON pa.id_product = ps.id_product
SET ps.date_upd = :now
WHERE :id > 1000000000 AND pa.id_product_attribute = :id - 1000000000 AND ps.id_shop = @cb_shop;
-- Stock: the stock_available row of the product (id_product_attribute 0)
-- or of the combination; a combination's product row is then the sum of
-- its combinations' rows, as PrestaShop keeps it.
SET @cb_product = IF(:id > 1000000000,
      (SELECT pa.id_product FROM {prefix}product_attribute pa
        WHERE pa.id_product_attribute = :id - 1000000000), :id);
SET @cb_attribute = IF(:id > 1000000000, :id - 1000000000, 0);
UPDATE {prefix}stock_available
SET quantity = :quantity
WHERE :quantity IS NOT NULL AND id_product = @cb_product AND id_product_attribute = @cb_attribute
  AND id_shop = @cb_stock_shop AND id_shop_group = @cb_stock_group;
-- A product without a stock row yet gets one, as StockAvailable::setQuantity does.
INSERT INTO {prefix}stock_available
  (id_product, id_product_attribute, id_shop, id_shop_group, quantity, depends_on_stock, out_of_stock)
SELECT @cb_product, @cb_attribute, @cb_stock_shop, @cb_stock_group, :quantity, 0, 2
FROM DUAL
WHERE :quantity IS NOT NULL AND @cb_product IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {prefix}stock_available x
                   WHERE x.id_product = @cb_product AND x.id_product_attribute = @cb_attribute
                     AND x.id_shop = @cb_stock_shop AND x.id_shop_group = @cb_stock_group);
UPDATE {prefix}stock_available sa
JOIN (SELECT SUM(c.quantity) AS quantity
        FROM {prefix}stock_available c
       WHERE c.id_product = @cb_product AND c.id_product_attribute > 0
         AND c.id_shop = @cb_stock_shop AND c.id_shop_group = @cb_stock_group) total
SET sa.quantity = total.quantity
WHERE :quantity IS NOT NULL AND @cb_attribute > 0 AND sa.id_product = @cb_product
  AND sa.id_product_attribute = 0 AND sa.id_shop = @cb_stock_shop AND sa.id_shop_group = @cb_stock_group;
-- The legacy copy in product.quantity follows the product's stock row.
UPDATE {prefix}product p
JOIN {prefix}stock_available sa
  ON sa.id_product = p.id_product AND sa.id_product_attribute = 0
 AND sa.id_shop = @cb_stock_shop AND sa.id_shop_group = @cb_stock_group
SET p.quantity = sa.quantity
WHERE :quantity IS NOT NULL AND p.id_product = @cb_product;
