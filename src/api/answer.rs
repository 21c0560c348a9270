//! The answer envelope of NATIVE.md, written once through the transport's
//! `ResponseSink`. Lists are streamed: the envelope's head is written when
//! the first item is ready (so a failing query can still answer with its
//! own status), each item as it comes, then the tail. Memory stays the
//! same however many rows go out.
//!
//! When something fails after the head went out, the status cannot change
//! any more: the answer is cut short (it is then not valid JSON, so a
//! client cannot take half a list for a whole one) and the reason goes to
//! the web server's error log.

use std::io;

use serde::Serialize;
use serde_json::{json, Map, Value as Json};

use super::{ApiError, CONTENT_TYPE};
use crate::http::{respond, respond_with, ResponseSink};

/// Where a method writes its result.
pub struct Answer<'s> {
    sink: &'s mut dyn ResponseSink,
    state: State,
}

enum State {
    /// Nothing written yet.
    Idle,
    /// A list is opened; its head is written with the first item.
    Pending(Vec<u8>),
    /// The head is out; `true` once an item was written.
    Open(bool),
    /// The whole answer is out.
    Done,
}

impl<'s> Answer<'s> {
    pub fn new(sink: &'s mut dyn ResponseSink) -> Answer<'s> {
        Answer {
            sink,
            state: State::Idle,
        }
    }

    /// Whether any byte of the answer has been sent.
    pub fn started(&self) -> bool {
        matches!(self.state, State::Open(_) | State::Done)
    }

    /// Sends a whole (small) result.
    pub fn result(&mut self, result: &Json) -> io::Result<()> {
        let body = envelope(Ok(result));
        self.state = State::Done;
        respond(self.sink, 200, CONTENT_TYPE, &body)
    }

    /// Opens the list `key` of the result, after the `leading` fields.
    pub fn open_list(&mut self, leading: &Map<String, Json>, key: &str) {
        let mut head = br#"{"return_code":0,"return_message":"","result":{"#.to_vec();
        for (name, value) in leading {
            head.extend(serde_json::to_vec(name).expect("strings serialize"));
            head.push(b':');
            head.extend(serde_json::to_vec(value).expect("JSON values serialize"));
            head.push(b',');
        }
        head.extend(serde_json::to_vec(key).expect("strings serialize"));
        head.extend(b":[");
        self.state = State::Pending(head);
    }

    /// Whether `open_list` was called.
    pub fn list_opened(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// Writes one item of the open list.
    pub fn item<T: Serialize + ?Sized>(&mut self, item: &T) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Open(true)) {
            State::Pending(head) => self.write_head(&head)?,
            State::Open(true) => self.sink.write_all(b",")?,
            State::Open(false) => {}
            State::Idle | State::Done => {
                return Err(io::Error::other("an item was written outside a list"))
            }
        }
        serde_json::to_writer(&mut *self.sink, item).map_err(io::Error::other)
    }

    /// Closes the list and the answer, with `trailing` fields after it.
    pub fn close_list(&mut self, trailing: &Map<String, Json>) -> io::Result<()> {
        if let State::Pending(head) = std::mem::replace(&mut self.state, State::Done) {
            self.write_head(&head)?;
        }
        self.sink.write_all(b"]")?;
        for (name, value) in trailing {
            self.sink.write_all(b",")?;
            serde_json::to_writer(&mut *self.sink, name).map_err(io::Error::other)?;
            self.sink.write_all(b":")?;
            serde_json::to_writer(&mut *self.sink, value).map_err(io::Error::other)?;
        }
        self.sink.write_all(b"}}\n")?;
        self.sink.flush()
    }

    fn write_head(&mut self, head: &[u8]) -> io::Result<()> {
        self.sink.start(200, &[("Content-Type", CONTENT_TYPE)])?;
        self.sink.write_all(head)
    }

    /// Ends the answer with the method's outcome: a failure before anything
    /// was sent becomes the error envelope; after that, the answer is cut
    /// short and the reason logged.
    pub fn finish(self, outcome: Result<(), ApiError>, method: &str) -> io::Result<()> {
        match (outcome, self.started()) {
            (Ok(()), _) if matches!(self.state, State::Done) => Ok(()),
            (Ok(()), _) => {
                let error = ApiError::new(500, format!("{method} did not finish its answer"));
                self.finish(Err(error), method)
            }
            (Err(e), false) => {
                let wait = e.retry_after.map(|w| w.to_string());
                let headers: Vec<(&str, &str)> = e
                    .allow
                    .map(|methods| ("Allow", methods))
                    .into_iter()
                    .chain(wait.as_deref().map(|w| ("Retry-After", w)))
                    .collect();
                let body = envelope(Err(&e));
                respond_with(self.sink, e.status, CONTENT_TYPE, &headers, &body)
            }
            (Err(e), true) => {
                eprintln!(
                    "cartbridge: the answer to {method} was cut short: {}",
                    e.message
                );
                self.sink.flush()
            }
        }
    }
}

/// The answer envelope of NATIVE.md.
pub fn envelope(result: Result<&Json, &ApiError>) -> Vec<u8> {
    let value = match result {
        Ok(result) => json!({"return_code": 0, "return_message": "", "result": result}),
        Err(e) => json!({"return_code": e.status, "return_message": e.message, "result": null}),
    };
    let mut body = serde_json::to_vec(&value).expect("JSON values serialize");
    body.push(b'\n');
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::BufferedResponse;

    #[test]
    fn lists_stream_between_head_and_tail() {
        let mut sink = BufferedResponse::default();
        let mut answer = Answer::new(&mut sink);
        answer.open_list(&Map::new(), "products");
        assert!(!answer.started());
        answer.item(&json!({"id": "1"})).unwrap();
        answer.item(&json!({"id": "2"})).unwrap();
        let mut tail = Map::new();
        tail.insert("next_page_cursor".into(), Json::Null);
        answer.close_list(&tail).unwrap();
        answer.finish(Ok(()), "product.list").unwrap();
        assert_eq!(sink.status, 200);
        let body: Json = serde_json::from_slice(&sink.body).unwrap();
        assert_eq!(
            body,
            json!({"return_code": 0, "return_message": "", "result": {
                "products": [{"id": "1"}, {"id": "2"}], "next_page_cursor": null}})
        );
    }

    #[test]
    fn a_failure_before_the_first_item_is_a_proper_error() {
        let mut sink = BufferedResponse::default();
        let mut answer = Answer::new(&mut sink);
        answer.open_list(&Map::new(), "products");
        answer
            .finish(Err(ApiError::new(503, "database down")), "product.list")
            .unwrap();
        assert_eq!(sink.status, 503);
        let body: Json = serde_json::from_slice(&sink.body).unwrap();
        assert_eq!(body["return_message"], "database down");
        assert_eq!(body["result"], Json::Null);
    }

    #[test]
    fn a_busy_database_says_when_to_retry() {
        let mut sink = BufferedResponse::default();
        let answer = Answer::new(&mut sink);
        answer
            .finish(Err(ApiError::busy("busy")), "order.update")
            .unwrap();
        assert_eq!(sink.status, 503);
        assert_eq!(sink.header("Retry-After"), Some("1"));
        let body: Json = serde_json::from_slice(&sink.body).unwrap();
        assert_eq!(body["return_message"], "busy");
    }

    #[test]
    fn a_failure_mid_list_cuts_the_answer_short() {
        let mut sink = BufferedResponse::default();
        let mut answer = Answer::new(&mut sink);
        answer.open_list(&Map::new(), "products");
        answer.item(&json!({"id": "1"})).unwrap();
        answer
            .finish(Err(ApiError::new(500, "lost")), "product.list")
            .unwrap();
        assert_eq!(sink.status, 200);
        assert!(serde_json::from_slice::<Json>(&sink.body).is_err());
    }
}
