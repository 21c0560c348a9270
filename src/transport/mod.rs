//! The ways a request reaches the program: CGI (one process per request),
//! FastCGI (a long-lived process), and a small local HTTP server for the
//! demo and for technicians. Each turns bytes into `http::Request` and
//! writes the answer through `http::ResponseSink`; none knows what the
//! request means.

pub mod cgi;
pub mod fastcgi;
pub mod local;
