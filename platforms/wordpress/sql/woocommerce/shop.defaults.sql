-- WordPress runs one language per site (lang_id 1). The time zone is the
-- option timezone_string, else the whole-hour gmt_offset as an Etc/GMT
-- zone (whose sign is reversed: UTC+2 is Etc/GMT-2), else UTC.
SELECT 1 AS lang_id,
       COALESCE(
         (SELECT NULLIF(o.option_value, '') FROM {prefix}options o WHERE o.option_name = 'timezone_string'),
         (SELECT CASE WHEN g.option_value REGEXP '^-?[0-9]+$' AND CAST(g.option_value AS SIGNED) <> 0
                      THEN CONCAT('Etc/GMT', IF(CAST(g.option_value AS SIGNED) > 0, '-', '+'),
                                  ABS(CAST(g.option_value AS SIGNED))) END
            FROM {prefix}options g WHERE g.option_name = 'gmt_offset'),
         'UTC') AS time_zone
