//! MySQL/MariaDB through the pure-Rust `mysql` crate, connected the way the
//! shop's own PHP would connect with the same settings.
//!
//! Two defaults of the crate are overridden on purpose: it silently moves a
//! TCP connection to the server's unix socket (`prefer_socket`), and it
//! treats `localhost` as TCP. PHP treats `localhost` as "the default unix
//! socket" and never switches transports, and MySQL accounts differ by
//! transport (`u@localhost` vs `u@127.0.0.1`), so we do what PHP does.

use std::path::Path;
use std::time::Duration;

use mysql::consts::ColumnType;
use mysql::prelude::Queryable;

use super::{
    Column, ColumnKind, Database, DbError, Dialect, Outcome, Rollback, RowCallback, Value,
};

/// Where PHP's mysqlnd looks for the server when the host is `localhost`
/// and no socket is configured (Debian's compiled-in default first).
const DEFAULT_SOCKETS: &[&str] = &[
    "/var/run/mysqld/mysqld.sock",
    "/run/mysqld/mysqld.sock",
    "/tmp/mysql.sock",
    "/var/lib/mysql/mysql.sock",
];

/// The shop's MySQL settings, resolved to one transport.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MysqlTarget {
    pub host: String,
    pub port: u16,
    /// When set, the connection goes over this unix socket.
    pub socket: Option<String>,
    pub user: String,
    pub password: String,
    pub database: String,
    /// The shop's connection charset (`DB_CHARSET`), applied with `SET NAMES`.
    pub charset: Option<String>,
}

impl MysqlTarget {
    /// Resolves a shop's host setting (`localhost`, `db:3307`,
    /// `localhost:/run/mysqld/mysqld.sock`, `/path/mysql.sock`,
    /// `[::1]:3307`) and an optional separate port setting, as PHP would.
    pub fn from_host_setting(host_setting: &str, port_setting: Option<&str>) -> MysqlTarget {
        let mut target = MysqlTarget {
            port: 3306,
            ..MysqlTarget::default()
        };
        let port_setting = port_setting
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .and_then(|p| p.parse::<u16>().ok());
        let raw = host_setting.trim();
        let raw = if raw.is_empty() { "localhost" } else { raw };
        if let Some(socket) = socket_path_in(raw) {
            target.host = "localhost".into();
            target.socket = Some(socket);
            return target;
        }
        let (host, port) = split_host_port(raw);
        target.host = host;
        if let Some(p) = port.or(port_setting) {
            target.port = p;
        }
        if target.host.eq_ignore_ascii_case("localhost") {
            // PHP: "localhost" means the default unix socket. Where no
            // socket exists (a container with TCP only) PHP would fail; we
            // fall back to TCP on 127.0.0.1 and let `doctor` say so.
            target.socket = DEFAULT_SOCKETS
                .iter()
                .find(|s| Path::new(s).exists())
                .map(|s| s.to_string());
            if target.socket.is_none() {
                target.host = "127.0.0.1".into();
            }
        }
        target
    }
}

/// A socket path in a host setting: `localhost:/x.sock`, `/x/mysql.sock`,
/// `127.0.0.1:/x`.
fn socket_path_in(raw: &str) -> Option<String> {
    if raw.starts_with('/') {
        return Some(raw.to_string());
    }
    let (_, rest) = raw.split_once(':')?;
    if rest.starts_with('/') {
        return Some(rest.to_string());
    }
    None
}

/// Splits `host:port` and `[v6]:port`; a bare IPv6 address has no port.
fn split_host_port(raw: &str) -> (String, Option<u16>) {
    if let Some(rest) = raw.strip_prefix('[') {
        if let Some((addr, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (addr.to_string(), port);
        }
    }
    if raw.matches(':').count() == 1 {
        let (host, port) = raw.split_once(':').unwrap_or((raw, ""));
        return (host.to_string(), port.parse().ok());
    }
    (raw.to_string(), None)
}

pub struct MysqlDb {
    conn: mysql::Conn,
    /// Bytes of row data read so far, roughly what the connection's
    /// receive buffer has been walked through (see `pool`).
    received: u64,
}

impl MysqlDb {
    pub fn connect(target: &MysqlTarget) -> Result<MysqlDb, DbError> {
        let mut opts = mysql::OptsBuilder::new()
            .user(Some(&target.user))
            .pass(Some(&target.password))
            .db_name(Some(&target.database).filter(|d| !d.is_empty()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(5)))
            .stmt_cache_size(Some(32));
        opts = match &target.socket {
            Some(socket) => opts.socket(Some(socket)),
            None => opts
                .ip_or_hostname(Some(&target.host))
                .tcp_port(target.port),
        };
        let conn = mysql::Conn::new(opts).map_err(|e| DbError::Connect(describe_connect(e)))?;
        let mut db = MysqlDb { conn, received: 0 };
        if let Some(charset) = &target.charset {
            db.set_charset(charset)?;
        }
        Ok(db)
    }
}

impl MysqlDb {
    /// Bytes of row data this connection has read (see `pool`).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Clears everything a request did to the session (see `pool`).
    pub fn reset(&mut self) -> Result<(), DbError> {
        self.conn.reset().map_err(query_error)
    }

    /// Makes a pooled connection ready for a request, which also proves
    /// the server still answers: the shop's charset again (a reset
    /// dropped it), or a ping.
    pub fn revive(&mut self, target: &MysqlTarget) -> Result<(), DbError> {
        match &target.charset {
            Some(charset) => self.set_charset(charset),
            None => self.conn.ping().map_err(query_error),
        }
    }
}

fn describe_connect(error: mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(e) => format!("{} ({})", e.message, e.code),
        other => other.to_string(),
    }
}

fn query_error(error: mysql::Error) -> DbError {
    match error {
        mysql::Error::MySqlError(e) => DbError::Query {
            sqlstate: e.state,
            code: e.code.into(),
            message: e.message,
        },
        mysql::Error::IoError(e) => DbError::Connect(e.to_string()),
        other => DbError::Query {
            sqlstate: "HY000".into(),
            code: 2006,
            message: other.to_string(),
        },
    }
}

impl Database for MysqlDb {
    fn run(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        if params.is_empty() {
            // The text protocol, as PHP's PDO with emulated prepares uses:
            // values arrive as the server's text.
            let mut result = self.conn.query_iter(sql).map_err(query_error)?;
            stream(&mut result, on_row, &mut self.received)
        } else {
            let params: Vec<mysql::Value> = params.iter().map(to_mysql).collect();
            let mut result = self.conn.exec_iter(sql, params).map_err(query_error)?;
            stream(&mut result, on_row, &mut self.received)
        }
    }

    fn run_one(
        &mut self,
        sql: &str,
        params: &[Value],
        on_row: &mut RowCallback<'_>,
    ) -> Result<Outcome, DbError> {
        let params: Vec<mysql::Value> = params.iter().map(to_mysql).collect();
        let mut result = self.conn.exec_iter(sql, params).map_err(query_error)?;
        stream(&mut result, on_row, &mut self.received)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn begin(&mut self, read_only: bool) -> Result<(), DbError> {
        let sql = if read_only {
            "START TRANSACTION READ ONLY"
        } else {
            "START TRANSACTION"
        };
        self.conn.query_drop(sql).map_err(query_error)
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.conn.query_drop("COMMIT").map_err(query_error)
    }

    fn rollback(&mut self) -> Result<Rollback, DbError> {
        self.conn.query_drop("ROLLBACK").map_err(query_error)?;
        // The only warning ROLLBACK raises is 1196, "Some non-transactional
        // changed tables couldn't be rolled back".
        Ok(if self.conn.warnings() > 0 {
            Rollback::Partial
        } else {
            Rollback::Complete
        })
    }

    fn set_charset(&mut self, charset: &str) -> Result<(), DbError> {
        if charset.is_empty()
            || !charset
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(DbError::Query {
                sqlstate: "42000".into(),
                code: 1115,
                message: format!("Unknown character set: '{charset}'"),
            });
        }
        self.conn
            .query_drop(format!(
                "SET NAMES '{charset}'; SET CHARACTER SET '{charset}'; SET CHARACTER_SET_CONNECTION = '{charset}'"
            ))
            .map_err(query_error)
    }
}

/// Streams the first result set and drains the others, so that a
/// `;`-separated batch behaves as under PDO. Adds the rows' sizes to
/// `received`.
fn stream<P: mysql::prelude::Protocol>(
    result: &mut mysql::QueryResult<'_, '_, '_, P>,
    on_row: &mut RowCallback<'_>,
    received: &mut u64,
) -> Result<Outcome, DbError> {
    let mut outcome = Outcome {
        affected_rows: result.affected_rows(),
        insert_id: result.last_insert_id().unwrap_or(0),
        ..Outcome::default()
    };
    let Some(mut set) = result.iter() else {
        return Ok(outcome);
    };
    let columns: Vec<Column> = set.columns().as_ref().iter().map(describe).collect();
    let has_result_set = !columns.is_empty();
    let mut values = Vec::with_capacity(columns.len());
    for row in set.by_ref() {
        let row = row.map_err(query_error)?;
        values.clear();
        for (index, column) in columns.iter().enumerate() {
            let value = row.as_ref(index);
            *received += match value {
                Some(mysql::Value::Bytes(bytes)) => bytes.len() as u64 + 1,
                _ => 9,
            };
            values.push(from_mysql(value, column));
        }
        on_row(&columns, &values).map_err(DbError::Aborted)?;
        outcome.rows += 1;
    }
    drop(set);
    while let Some(rest) = result.iter() {
        for row in rest {
            *received += row.map_err(query_error)?.len() as u64 * 9;
        }
    }
    if has_result_set {
        outcome.columns = Some(columns);
    }
    Ok(outcome)
}

fn describe(column: &mysql::Column) -> Column {
    let kind = match column.column_type() {
        ColumnType::MYSQL_TYPE_TINY
        | ColumnType::MYSQL_TYPE_SHORT
        | ColumnType::MYSQL_TYPE_INT24
        | ColumnType::MYSQL_TYPE_LONG
        | ColumnType::MYSQL_TYPE_LONGLONG
        | ColumnType::MYSQL_TYPE_YEAR => ColumnKind::Integer,
        ColumnType::MYSQL_TYPE_FLOAT | ColumnType::MYSQL_TYPE_DOUBLE => ColumnKind::Float,
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => ColumnKind::Decimal,
        ColumnType::MYSQL_TYPE_DATE
        | ColumnType::MYSQL_TYPE_DATETIME
        | ColumnType::MYSQL_TYPE_TIMESTAMP
        | ColumnType::MYSQL_TYPE_TIME
        | ColumnType::MYSQL_TYPE_NEWDATE => ColumnKind::Temporal,
        ColumnType::MYSQL_TYPE_BLOB
        | ColumnType::MYSQL_TYPE_TINY_BLOB
        | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
        | ColumnType::MYSQL_TYPE_LONG_BLOB
        | ColumnType::MYSQL_TYPE_VAR_STRING
        | ColumnType::MYSQL_TYPE_STRING
        | ColumnType::MYSQL_TYPE_VARCHAR
        | ColumnType::MYSQL_TYPE_ENUM
        | ColumnType::MYSQL_TYPE_SET
        | ColumnType::MYSQL_TYPE_JSON => {
            if column.character_set() == 63 {
                ColumnKind::Binary
            } else {
                ColumnKind::Text
            }
        }
        _ => ColumnKind::Other,
    };
    Column {
        name: column.name_str().into_owned(),
        kind,
        native_type: native_type_name(column.column_type()),
        length: u64::from(column.column_length()),
        decimals: column.decimals(),
    }
}

/// PHP's `native_type` names for `getColumnMeta`.
fn native_type_name(t: ColumnType) -> &'static str {
    match t {
        ColumnType::MYSQL_TYPE_TINY => "TINY",
        ColumnType::MYSQL_TYPE_SHORT => "SHORT",
        ColumnType::MYSQL_TYPE_INT24 => "INT24",
        ColumnType::MYSQL_TYPE_LONG => "LONG",
        ColumnType::MYSQL_TYPE_LONGLONG => "LONGLONG",
        ColumnType::MYSQL_TYPE_YEAR => "YEAR",
        ColumnType::MYSQL_TYPE_FLOAT => "FLOAT",
        ColumnType::MYSQL_TYPE_DOUBLE => "DOUBLE",
        ColumnType::MYSQL_TYPE_DECIMAL => "DECIMAL",
        ColumnType::MYSQL_TYPE_NEWDECIMAL => "NEWDECIMAL",
        ColumnType::MYSQL_TYPE_DATE => "DATE",
        ColumnType::MYSQL_TYPE_DATETIME => "DATETIME",
        ColumnType::MYSQL_TYPE_TIMESTAMP => "TIMESTAMP",
        ColumnType::MYSQL_TYPE_TIME => "TIME",
        ColumnType::MYSQL_TYPE_BLOB
        | ColumnType::MYSQL_TYPE_TINY_BLOB
        | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
        | ColumnType::MYSQL_TYPE_LONG_BLOB => "BLOB",
        ColumnType::MYSQL_TYPE_VAR_STRING | ColumnType::MYSQL_TYPE_VARCHAR => "VAR_STRING",
        ColumnType::MYSQL_TYPE_STRING
        | ColumnType::MYSQL_TYPE_ENUM
        | ColumnType::MYSQL_TYPE_SET => "STRING",
        ColumnType::MYSQL_TYPE_BIT => "BIT",
        ColumnType::MYSQL_TYPE_JSON => "JSON",
        ColumnType::MYSQL_TYPE_NULL => "NULL",
        _ => "UNKNOWN",
    }
}

fn to_mysql(value: &Value) -> mysql::Value {
    match value {
        Value::Null => mysql::Value::NULL,
        Value::Int(i) => mysql::Value::Int(*i),
        Value::UInt(u) => mysql::Value::UInt(*u),
        Value::Float(f) => mysql::Value::Double(*f),
        Value::Text(b) => mysql::Value::Bytes(b.clone()),
    }
}

/// Types a value the way PHP ≥ 8.1's PDO does: integer columns become
/// integers (unless they overflow), FLOAT/DOUBLE become floats, everything
/// else stays the server's text.
fn from_mysql(value: Option<&mysql::Value>, column: &Column) -> Value {
    let Some(value) = value else {
        return Value::Null;
    };
    match value {
        mysql::Value::NULL => Value::Null,
        mysql::Value::Bytes(bytes) => match column.kind {
            ColumnKind::Integer => parse_integer(bytes),
            ColumnKind::Float => std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Value::Float)
                .unwrap_or_else(|| Value::Text(bytes.clone())),
            _ => Value::Text(bytes.clone()),
        },
        mysql::Value::Int(i) => Value::Int(*i),
        mysql::Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(*u),
        },
        mysql::Value::Float(f) => Value::Float(f64::from(*f)),
        mysql::Value::Double(f) => Value::Float(*f),
        mysql::Value::Date(y, mo, d, h, mi, s, us) => {
            let mut text = if column.native_type == "DATE" {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            };
            if *us > 0 {
                text.push_str(&format!(".{us:06}"));
            }
            Value::Text(text.into_bytes())
        }
        mysql::Value::Time(neg, days, h, mi, s, _) => {
            let hours = u32::from(*h) + days * 24;
            let sign = if *neg { "-" } else { "" };
            Value::Text(format!("{sign}{hours:02}:{mi:02}:{s:02}").into_bytes())
        }
    }
}

fn parse_integer(bytes: &[u8]) -> Value {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    if let Ok(i) = text.parse::<i64>() {
        return Value::Int(i);
    }
    // PHP keeps integers that do not fit a signed 64-bit value as strings.
    Value::Text(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_settings_resolve_like_php() {
        let t = MysqlTarget::from_host_setting("db.example:3307", None);
        assert_eq!(
            (t.host.as_str(), t.port, t.socket),
            ("db.example", 3307, None)
        );
        let t = MysqlTarget::from_host_setting("10.0.0.5", Some("3308"));
        assert_eq!((t.host.as_str(), t.port), ("10.0.0.5", 3308));
        let t = MysqlTarget::from_host_setting("localhost:/tmp/x.sock", None);
        assert_eq!(t.socket.as_deref(), Some("/tmp/x.sock"));
        // A socket path without ".sock" goes to the socket, not the port.
        let t = MysqlTarget::from_host_setting("/var/run/mysqld/mysqld", None);
        assert_eq!(t.socket.as_deref(), Some("/var/run/mysqld/mysqld"));
        let t = MysqlTarget::from_host_setting("[::1]:3310", None);
        assert_eq!((t.host.as_str(), t.port), ("::1", 3310));
        let t = MysqlTarget::from_host_setting("::1", None);
        assert_eq!((t.host.as_str(), t.port), ("::1", 3306));
        let t = MysqlTarget::from_host_setting("", None);
        assert!(t.socket.is_some() || t.host == "127.0.0.1");
    }
}
