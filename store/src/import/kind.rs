//! The kinds of file the importers understand, by the names the command line and the upload
//! form give them.

/// The kinds of file the importers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Areas,
    Electorates,
    PostcodeLookup,
    Gazetteer,
    Register,
    VerificationNumbers,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Areas,
        Kind::PostcodeLookup,
        Kind::Gazetteer,
        Kind::Register,
        Kind::Electorates,
        Kind::VerificationNumbers,
    ];

    /// The name the command line and the upload form give the kind; [`Kind::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Areas => "areas",
            Kind::Electorates => "electorates",
            Kind::PostcodeLookup => "postcodes",
            Kind::Gazetteer => "gazetteer",
            Kind::Register => "register",
            Kind::VerificationNumbers => "verification-numbers",
        }
    }

    /// What the kind is, in words for the upload form.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Areas => "Areas: wards, districts and counties",
            Kind::Electorates => "Electorates: electors per area at a register date",
            Kind::PostcodeLookup => "Postcode lookup: Code-Point Open, ONSPD, NSPL or a GIS export",
            Kind::Gazetteer => "Address gazetteer: properties with their UPRN",
            Kind::Register => "Electoral register: the whole register of each polling district in the file",
            Kind::VerificationNumbers => "Verification numbers: published numbers with the days they are in force",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "areas" => Kind::Areas,
            "electorates" => Kind::Electorates,
            "postcodes" | "postcode-lookup" => Kind::PostcodeLookup,
            "gazetteer" | "addresses" => Kind::Gazetteer,
            "register" => Kind::Register,
            "verification-numbers" => Kind::VerificationNumbers,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_from_its_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert_eq!(Kind::parse("addresses"), Some(Kind::Gazetteer));
        assert_eq!(Kind::parse("people"), None);
    }
}
