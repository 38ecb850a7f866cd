//! The kinds of reference data file the importers understand, by the names the command line and
//! the officers' upload form give them. Here rather than with the importers so that the upload
//! page, which runs in the browser too, can list them.

/// The kinds of file the importers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Areas,
    Electorates,
    PostcodeLookup,
    Gazetteer,
    Register,
    VerificationNumbers,
}

impl FileKind {
    pub const ALL: [FileKind; 6] = [
        FileKind::Areas,
        FileKind::PostcodeLookup,
        FileKind::Gazetteer,
        FileKind::Register,
        FileKind::Electorates,
        FileKind::VerificationNumbers,
    ];

    /// The name the command line and the upload form give the kind; [`FileKind::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Areas => "areas",
            FileKind::Electorates => "electorates",
            FileKind::PostcodeLookup => "postcodes",
            FileKind::Gazetteer => "gazetteer",
            FileKind::Register => "register",
            FileKind::VerificationNumbers => "verification-numbers",
        }
    }

    /// What the kind is, in words for the upload form.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Areas => "Areas: wards, districts and counties",
            FileKind::Electorates => "Electorates: electors per area at a register date",
            FileKind::PostcodeLookup => "Postcode lookup: Code-Point Open, ONSPD, NSPL or a GIS export",
            FileKind::Gazetteer => "Address gazetteer: properties with their UPRN",
            FileKind::Register => "Electoral register: the whole register of each polling district in the file",
            FileKind::VerificationNumbers => "Verification numbers: published numbers with the days they are in force",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        Some(match s {
            "areas" => FileKind::Areas,
            "electorates" => FileKind::Electorates,
            "postcodes" | "postcode-lookup" => FileKind::PostcodeLookup,
            "gazetteer" | "addresses" => FileKind::Gazetteer,
            "register" => FileKind::Register,
            "verification-numbers" => FileKind::VerificationNumbers,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_from_its_name() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::parse(k.name()), Some(k));
        }
        assert_eq!(FileKind::parse("addresses"), Some(FileKind::Gazetteer));
        assert_eq!(FileKind::parse("people"), None);
    }
}
