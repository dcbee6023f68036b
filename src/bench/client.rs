//! The load generator's HTTP client: HTTP/1.1 on one kept-alive TCP connection per
//! worker, each request written out in full beforehand, each reply read by its
//! `Content-Length`.
//!
//! The load generator shares two cores with the server and the database, so whatever it
//! spends on a request is taken from the API it measures. reqwest's work per request (a
//! header map, a pool checkout, a body channel, a response object) came to 15–20 % of the
//! whole CPU of a small read such as `me` or a county's `fundUtilization` — as `wrk`
//! against the same server showed. This client does what `wrk` does: write bytes, read
//! bytes.
use bytes::Bytes;
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A complete `POST` request, ready to be written as it is, as often as needed.
#[derive(Clone)]
pub struct Request(Bytes);

impl Request {
    pub fn post(server: SocketAddr, path: &str, authorization: &str, body: &[u8]) -> Request {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {server}\r\nauthorization: {authorization}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let mut bytes = Vec::with_capacity(head.len() + body.len());
        bytes.extend_from_slice(head.as_bytes());
        bytes.extend_from_slice(body);
        Request(bytes.into())
    }
}

/// One worker's connection to the server, opened at the first request and again after
/// any failure.
pub struct Connection {
    server: SocketAddr,
    stream: Option<TcpStream>,
    buffer: Vec<u8>,
}

/// A reply's status and body (the body borrowed from the connection's buffer).
pub struct Reply<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl Connection {
    pub fn new(server: SocketAddr) -> Connection {
        Connection {
            server,
            stream: None,
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    /// Sends `request` and reads the whole reply. On an error the connection is dropped,
    /// and the next request opens a new one.
    pub async fn send(&mut self, request: &Request) -> io::Result<Reply<'_>> {
        match self.exchange(request).await {
            Ok((status, body, keep_alive)) => {
                if !keep_alive {
                    self.stream = None;
                }
                Ok(Reply {
                    status,
                    body: &self.buffer[body..],
                })
            }
            Err(error) => {
                self.stream = None;
                Err(error)
            }
        }
    }

    /// Writes the request and reads the reply into the buffer: its status, where its body
    /// starts, and whether the server keeps the connection open.
    async fn exchange(&mut self, request: &Request) -> io::Result<(u16, usize, bool)> {
        let stream = match &mut self.stream {
            Some(stream) => stream,
            None => {
                let stream = TcpStream::connect(self.server).await?;
                stream.set_nodelay(true)?;
                self.stream.insert(stream)
            }
        };
        stream.write_all(&request.0).await?;
        self.buffer.clear();
        let head_end = loop {
            if let Some(end) = memchr::memmem::find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            read_more(stream, &mut self.buffer).await?;
        };
        let head = Head::parse(&self.buffer[..head_end])?;
        let end = head_end + head.content_length;
        while self.buffer.len() < end {
            read_more(stream, &mut self.buffer).await?;
        }
        if self.buffer.len() > end {
            return Err(invalid("the server sent more than its Content-Length".into()));
        }
        Ok((head.status, head_end, head.keep_alive))
    }
}

/// Reads what the socket has into `buffer`; the end of the stream is an error, since the
/// caller is still waiting for part of a reply.
async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    buffer.reserve(16 * 1024);
    if stream.read_buf(buffer).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection before its reply was complete",
        ));
    }
    Ok(())
}

/// What the load generator needs of a reply's status line and headers.
#[derive(Debug, PartialEq)]
struct Head {
    status: u16,
    content_length: usize,
    keep_alive: bool,
}

impl Head {
    fn parse(head: &[u8]) -> io::Result<Head> {
        let text = std::str::from_utf8(head).map_err(|_| invalid("a reply head that is not text".into()))?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid(format!("not an HTTP/1.1 status line: `{status_line}`")))?;
        let mut content_length = None;
        let mut keep_alive = true;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .parse()
                        .map_err(|_| invalid(format!("Content-Length `{value}`")))?,
                );
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                keep_alive = false;
            }
        }
        let content_length = content_length
            .ok_or_else(|| invalid("a reply without Content-Length (the server sends whole bodies)".into()))?;
        Ok(Head {
            status,
            content_length,
            keep_alive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt;

    #[test]
    fn a_reply_head_gives_status_length_and_whether_the_connection_stays() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 42\r\n\r\n";
        assert_eq!(
            Head::parse(head).unwrap(),
            Head {
                status: 200,
                content_length: 42,
                keep_alive: true
            }
        );
        let closing = b"HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(
            Head::parse(closing).unwrap(),
            Head {
                status: 413,
                content_length: 0,
                keep_alive: false
            }
        );
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
        assert!(Head::parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }

    /// A server that answers each request on a connection with `replies[i]` (written in
    /// two parts, so that the client has to read more than once), then closes it.
    async fn canned_server(replies: Vec<&'static str>) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let replies = replies.clone();
                tokio::spawn(async move {
                    let mut stream = tokio::io::BufReader::new(stream);
                    for reply in replies {
                        // Read one request: its head, then its body by Content-Length.
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        stream.read_exact(&mut body).await.unwrap();
                        let (a, b) = reply.split_at(reply.len() / 2);
                        stream.get_mut().write_all(a.as_bytes()).await.unwrap();
                        stream.get_mut().flush().await.unwrap();
                        tokio::task::yield_now().await;
                        stream.get_mut().write_all(b.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn replies_are_read_whole_and_a_closed_connection_is_opened_again() {
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"data\":{}}";
        let server = canned_server(vec![ok, ok]).await;
        let request = Request::post(server, "/graphql", "Bearer t", b"{\"query\":\"{ me { username } }\"}");
        let mut connection = Connection::new(server);
        for _ in 0..2 {
            let reply = connection.send(&request).await.unwrap();
            assert_eq!((reply.status, reply.body), (200, &b"{\"data\":{}}"[..]));
        }
        // The server closed the connection after two replies: the third request fails,
        // and the one after it is sent on a new connection.
        assert!(connection.send(&request).await.is_err());
        let reply = connection.send(&request).await.unwrap();
        assert_eq!(reply.body, b"{\"data\":{}}");
    }
}
