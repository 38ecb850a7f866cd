//! A form post's fields, whether the form was sent URL-encoded or, where it carries a file, as
//! `multipart/form-data`: the text fields by name, and each file with its name as the browser
//! gave it, to be taken out whole by the handler that reads it.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Form;

use super::Fields;
use crate::web::plain_page;

/// A file sent with a form.
pub(crate) struct PostedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub(crate) struct Posted {
    pub fields: Fields,
    /// By field name; an empty file input sends a file with no name and no bytes, left out here.
    pub files: Vec<(String, PostedFile)>,
}

impl Posted {
    /// Takes the file sent in `field` out of the post (files can be large: they are not copied).
    pub fn take_file(&mut self, field: &str) -> Option<PostedFile> {
        let i = self.files.iter().position(|(f, _)| f == field)?;
        Some(self.files.swap_remove(i).1)
    }
}

fn too_large() -> Response {
    plain_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The file is too large",
        "Nothing was changed. The largest file accepted is set by UPLOAD_MAX_MB: split the file (a register by polling district, say) and upload each part, or load reference data at the server with petitions import.",
    )
}

fn unreadable() -> Response {
    plain_page(
        StatusCode::BAD_REQUEST,
        "Sorry, we could not read that form",
        "Nothing was changed. Go back and send it again.",
    )
}

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            return match Form::<Fields>::from_request(req, state).await {
                Ok(Form(fields)) => Ok(Posted { fields, files: vec![] }),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
                Err(_) => Err(unreadable()),
            };
        }
        let mut parts = Multipart::from_request(req, state).await.map_err(|_| unreadable())?;
        let mut posted = Posted { fields: Fields::new(), files: vec![] };
        loop {
            let field = match parts.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(_) => return Err(unreadable()),
            };
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(_) => return Err(unreadable()),
            };
            match file_name {
                Some(file) if !file.is_empty() || !bytes.is_empty() => {
                    posted.files.push((name, PostedFile { name: file, bytes: Vec::from(bytes) }))
                }
                Some(_) => {}
                None => {
                    posted.fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        Ok(posted)
    }
}

/// A file's text: UTF-8, with or without a byte order mark (which the importers skip), as
/// spreadsheet programs save "CSV UTF-8"; or why not.
pub(crate) fn text_of(file: PostedFile) -> Result<String, String> {
    if file.bytes.is_empty() {
        return Err(format!("{} is empty", file.name));
    }
    String::from_utf8(file.bytes)
        .map_err(|_| format!("{} is not UTF-8 text: save it as CSV UTF-8 and upload it again", file.name))
}
