//! Which layout a postcode lookup is written in, recognised from its header alone. Councils get
//! lookups from Ordnance Survey's Code-Point Open, from the ONS Postcode Directory (ONSPD) and the
//! National Statistics Postcode Lookup (NSPL), and from their own GIS; each names the same few
//! things (a postcode, its ward, district and county, perhaps when it was terminated) in its own
//! words. Column names are matched in any case, and columns no layout reads are ignored.
//!
//! The ONS names are those of the files themselves, as the headers of published extracts show
//! them (checked against the ONSPD August 2024 and November 2025 test fixtures of
//! DemocracyClub/uk-geo-utils, whose migration 0012 renames `oslaua` to `lad25cd` and so on, and
//! NSPL headers of 2020 to 2026 quoted by public import scripts). ONSPD up to 2025 has `pcd, pcd2, pcds, dointr, doterm, oscty, ced, oslaua, osward, ...`; NSPL
//! has `pcd, pcd2, pcds, dointr, doterm, usertype, ..., cty, ced, laua, ward, ...`; from late 2025
//! both name the postcode columns `pcd7, pcd8, pcds` and carry the boundaries' year in the code
//! columns (`cty25cd, lad25cd, wd25cd`). `doterm` is the month a postcode was terminated,
//! `YYYYMM`, blank while it is live. Neither has ward names (ONS publishes them separately).

use std::fmt;

use petition_core::month::Month;
use petition_core::threshold::Day;

/// The Code-Point Open layout, all required: the lookup this importer first took.
pub const CODE_POINT: [&str; 5] = ["postcode", "admin_county_code", "lad_gss_code", "ward_gss_code", "ward_name"];

/// The postcode columns of ONSPD and NSPL, in order of preference: `pcds` is the well-formatted
/// one; the others are the 7- and 8-character forms (older and newer names), which read alike.
const ONS_POSTCODE: [&str; 5] = ["pcds", "pcd", "pcd7", "pcd2", "pcd8"];

/// A layout a postcode lookup may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Code-Point Open with the codes joined on: `postcode, admin_county_code, lad_gss_code,
    /// ward_gss_code, ward_name`. Code-Point holds live postcodes only.
    CodePoint,
    /// The ONS Postcode Directory: `osward, oslaua[, oscty]` and `doterm`.
    Onspd,
    /// The National Statistics Postcode Lookup: `ward, laua[, cty]` and `doterm`.
    Nspl,
    /// Either of those from late 2025 on, whose code columns carry the boundaries' year (`wd25cd,
    /// lad25cd[, cty25cd]`): the two then name these columns alike, so the header cannot say which.
    OnsYearCoded,
    /// A council's own export: `postcode, ward_code, district_code[, county_code][, ward_name]
    /// [, terminated]`.
    Gis,
}

impl Layout {
    /// What the layout is called in the import's report.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::CodePoint => "Code-Point Open",
            Layout::Onspd => "ONSPD (ONS Postcode Directory)",
            Layout::Nspl => "NSPL (National Statistics Postcode Lookup)",
            Layout::OnsYearCoded => "ONSPD or NSPL (2025 column names)",
            Layout::Gis => "a GIS export",
        }
    }

    /// The ways the layout writes the month a postcode was terminated.
    pub fn date_forms(self) -> &'static str {
        match self {
            Layout::Gis => "YYYY-MM-DD, YYYY-MM or YYYYMM",
            _ => "YYYYMM",
        }
    }

    /// When a postcode was terminated, as the layout writes it: `Ok(None)` for blank, a live
    /// postcode. ONS files write `YYYYMM` and nothing else; a GIS export may also hold an ISO date
    /// (what GIS and spreadsheets write for a date field) or its month, and its day is dropped,
    /// since ONS dates terminations to the month.
    pub fn termination(self, s: &str) -> Result<Option<Month>, BadDate> {
        if s.is_empty() {
            return Ok(None);
        }
        let month = match self {
            Layout::Gis => {
                Month::parse_compact(s).or_else(|| Month::parse(s)).or_else(|| Day::parse(s).and_then(Month::of_day))
            }
            _ => Month::parse_compact(s),
        };
        month.map(Some).ok_or(BadDate)
    }
}

/// A termination date not written in any of its layout's [`Layout::date_forms`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadDate;

/// Where a lookup's layout keeps each thing, by column name (lower case; rows are read by name
/// in any case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub layout: Layout,
    pub postcode: String,
    pub ward: String,
    pub district: String,
    pub county: Option<String>,
    pub ward_name: Option<String>,
    pub terminated: Option<String>,
}

/// Why a header is not one of a postcode lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutProblem {
    /// The header has none of the columns that mark a layout.
    Unknown,
    /// The header marks a layout (`family`) but lacks some of its columns, each written as its
    /// accepted names separated by `/`.
    Missing { family: &'static str, columns: Vec<String> },
    /// Several columns give the same thing, and which is meant cannot be guessed.
    Ambiguous { what: &'static str, columns: Vec<String> },
}

impl fmt::Display for LayoutProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutProblem::Unknown => f.write_str(
                "unknown layout: the header is not one of the postcode lookup layouts accepted: Code-Point Open \
                 (postcode, admin_county_code, lad_gss_code, ward_gss_code, ward_name); ONSPD (pcds or pcd, doterm, \
                 osward, oslaua[, oscty]); NSPL (pcds or pcd, doterm, ward, laua[, cty]); ONSPD or NSPL with 2025 \
                 names (pcds or pcd7, doterm, wdYYcd, ladYYcd[, ctyYYcd]); a GIS export (postcode, ward_code, \
                 district_code[, county_code][, ward_name][, terminated]). See \"Loading reference data\" in the README",
            ),
            LayoutProblem::Missing { family, columns } => {
                write!(f, "missing column(s): {} (the header reads as {family})", columns.join(", "))
            }
            LayoutProblem::Ambiguous { what, columns } => {
                write!(f, "ambiguous columns: {} each give the {what}; keep one", columns.join(" and "))
            }
        }
    }
}

/// The layout of a lookup whose header is `header`, and where it keeps each thing. The first of
/// these the header has decides: a Code-Point code column (`admin_county_code`, `lad_gss_code`,
/// `ward_gss_code`), an ONS postcode column (`pcds`, `pcd`, `pcd7`, `pcd2`, `pcd8`), `postcode`.
pub fn recognise(header: &[String]) -> Result<Columns, LayoutProblem> {
    let names = Names(header.iter().map(|h| h.to_ascii_lowercase()).collect());
    if CODE_POINT[1..4].iter().any(|c| names.has(c)) {
        code_point(&names)
    } else if ONS_POSTCODE.iter().any(|c| names.has(c)) {
        ons(&names)
    } else if names.has("postcode") {
        gis(&names)
    } else {
        Err(LayoutProblem::Unknown)
    }
}

/// The Code-Point Open layout, exactly as it always was: all five columns.
fn code_point(names: &Names) -> Result<Columns, LayoutProblem> {
    let missing: Vec<String> = CODE_POINT.iter().filter(|c| !names.has(c)).map(|c| c.to_string()).collect();
    if !missing.is_empty() {
        return Err(LayoutProblem::Missing { family: Layout::CodePoint.describe(), columns: missing });
    }
    Ok(Columns {
        layout: Layout::CodePoint,
        postcode: "postcode".into(),
        ward: "ward_gss_code".into(),
        district: "lad_gss_code".into(),
        county: Some("admin_county_code".into()),
        ward_name: Some("ward_name".into()),
        terminated: None,
    })
}

/// ONSPD or NSPL, of any edition. Each thing is taken from whichever of its names the header
/// has (`oslaua` or `laua`, say), so a file that mixes them still reads; the ward column names
/// the layout. `doterm` is required: a cut-down extract without it would make every terminated
/// postcode look live.
fn ons(names: &Names) -> Result<Columns, LayoutProblem> {
    let postcode = ONS_POSTCODE.iter().find(|c| names.has(c)).map(|c| c.to_string()).unwrap_or_default();
    let ward = names.one_of("ward code", &["osward", "ward"], Some(("wd", "cd")))?;
    let district = names.one_of("district code", &["oslaua", "laua"], Some(("lad", "cd")))?;
    let county = names.one_of("county code", &["oscty", "cty"], Some(("cty", "cd")))?;
    let terminated = names.has("doterm").then(|| "doterm".to_string());
    let mut missing = Vec::new();
    if ward.is_none() {
        missing.push("osward/ward/wdYYcd".to_string());
    }
    if district.is_none() {
        missing.push("oslaua/laua/ladYYcd".to_string());
    }
    if terminated.is_none() {
        missing.push("doterm".to_string());
    }
    let (Some(ward), Some(district), true) = (ward, district, missing.is_empty()) else {
        return Err(LayoutProblem::Missing { family: "ONSPD or NSPL", columns: missing });
    };
    let layout = match ward.as_str() {
        "osward" => Layout::Onspd,
        "ward" => Layout::Nspl,
        _ => Layout::OnsYearCoded,
    };
    Ok(Columns { layout, postcode, ward, district, county, ward_name: None, terminated })
}

/// A council's GIS export. Besides the plain names, each code and the ward name may have the
/// names ONS gives them in its boundary files (`WD23CD`, `WD23NM`, `LAD23CD`, `CTY23CD`), which
/// is what a spatial join of postcode points to ward boundaries leaves; `doterm` may stand for
/// `terminated`, as when the export carries it over from ONSPD.
fn gis(names: &Names) -> Result<Columns, LayoutProblem> {
    let ward = names.one_of("ward code", &["ward_code"], Some(("wd", "cd")))?;
    let district = names.one_of("district code", &["district_code"], Some(("lad", "cd")))?;
    let county = names.one_of("county code", &["county_code"], Some(("cty", "cd")))?;
    let ward_name = names.one_of("ward name", &["ward_name"], Some(("wd", "nm")))?;
    let terminated = names.one_of("termination date", &["terminated", "doterm"], None)?;
    let (Some(ward), Some(district)) = (ward.clone(), district.clone()) else {
        let mut missing = Vec::new();
        if ward.is_none() {
            missing.push("ward_code/wdYYcd".to_string());
        }
        if district.is_none() {
            missing.push("district_code/ladYYcd".to_string());
        }
        return Err(LayoutProblem::Missing { family: Layout::Gis.describe(), columns: missing });
    };
    Ok(Columns { layout: Layout::Gis, postcode: "postcode".into(), ward, district, county, ward_name, terminated })
}

/// A header's column names, in lower case.
struct Names(Vec<String>);

impl Names {
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }

    /// The one column that is any of `exact`, or of the form `{prefix}YY{suffix}` (two digits of
    /// year) if `coded` is given: `None` when the header has none, a problem when it has several.
    fn one_of(
        &self,
        what: &'static str,
        exact: &[&str],
        coded: Option<(&str, &str)>,
    ) -> Result<Option<String>, LayoutProblem> {
        let is_coded = |n: &str| {
            coded.is_some_and(|(prefix, suffix)| {
                n.strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(suffix))
                    .is_some_and(|year| year.len() == 2 && year.bytes().all(|b| b.is_ascii_digit()))
            })
        };
        let mut found: Vec<String> =
            self.0.iter().filter(|n| exact.contains(&n.as_str()) || is_coded(n)).cloned().collect();
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(LayoutProblem::Ambiguous { what, columns: found }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    fn layout(s: &str) -> Result<Columns, LayoutProblem> {
        recognise(&header(s))
    }

    /// Headers as the published files write them.
    #[test]
    fn recognises_the_real_headers() {
        let onspd_2024 = "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,\
                          osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward";
        let c = layout(onspd_2024).unwrap();
        assert_eq!(c.layout, Layout::Onspd);
        assert_eq!((c.postcode.as_str(), c.ward.as_str(), c.district.as_str()), ("pcds", "osward", "oslaua"));
        assert_eq!((c.county.as_deref(), c.ward_name, c.terminated.as_deref()), (Some("oscty"), None, Some("doterm")));

        let nspl_2025 = "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa21,cty,ced,laua,ward,\
                         nhser,ctry,rgn,pcon,ttwa,itl,park,lsoa21,msoa21,wz11,sicbl,bua24,ruc21,oac11,lat,long";
        let c = layout(nspl_2025).unwrap();
        assert_eq!(c.layout, Layout::Nspl);
        assert_eq!((c.ward.as_str(), c.district.as_str(), c.county.as_deref()), ("ward", "laua", Some("cty")));

        // Late 2025 on: wdstl05cd and wdcas03cd are older ward sets, not wdYYcd.
        let onspd_2025 = "pcd7,pcd8,pcds,dointr,doterm,cty25cd,ced25cd,lad25cd,wd25cd,parncp25cd,usrtypind,east1m,\
                          north1m,gridind,hlth19cd,nhser24cd,ctry25cd,rgn25cd,ssr95cd,pcon24cd,eer20cd,educ23cd,\
                          ttwa15cd,pco19cd,itl25cd,wdstl05cd,oa01cd,wdcas03cd";
        let c = layout(onspd_2025).unwrap();
        assert_eq!(c.layout, Layout::OnsYearCoded);
        assert_eq!((c.postcode.as_str(), c.ward.as_str(), c.district.as_str()), ("pcds", "wd25cd", "lad25cd"));
        assert_eq!(c.county.as_deref(), Some("cty25cd"));

        // Older editions wrote the names in capitals; without pcds, pcd is the postcode.
        let c = layout("PCD,DOINTR,DOTERM,OSCTY,OSLAUA,OSWARD").unwrap();
        assert_eq!((c.layout, c.postcode.as_str()), (Layout::Onspd, "pcd"));

        let c = layout(
            "postcode,postcode_raw_codepoint,positional_quality,easting,northing,country_code,\
                        admin_county_code,lad_gss_code,ward_gss_code,ward_name",
        )
        .unwrap();
        assert_eq!(c.layout, Layout::CodePoint);
        assert_eq!((c.ward_name.as_deref(), c.terminated), (Some("ward_name"), None));
    }

    #[test]
    fn recognises_gis_exports_by_their_plain_or_ons_boundary_names() {
        let c = layout("Postcode,Ward_Code,District_Code").unwrap();
        assert_eq!(c.layout, Layout::Gis);
        assert_eq!(
            (c.ward.as_str(), c.district.as_str(), c.county, c.ward_name, c.terminated),
            ("ward_code", "district_code", None, None, None)
        );
        let c = layout("POSTCODE,WD23CD,WD23NM,LAD23CD,CTY23CD,doterm,OBJECTID").unwrap();
        assert_eq!(c.layout, Layout::Gis);
        assert_eq!(
            (c.ward.as_str(), c.ward_name.as_deref(), c.district.as_str()),
            ("wd23cd", Some("wd23nm"), "lad23cd")
        );
        assert_eq!((c.county.as_deref(), c.terminated.as_deref()), (Some("cty23cd"), Some("doterm")));
    }

    #[test]
    fn names_what_a_recognised_header_lacks() {
        let missing = |s: &str| layout(s).unwrap_err().to_string();
        assert_eq!(
            missing("postcode,lad_gss_code,ward_gss_code"),
            "missing column(s): admin_county_code, ward_name (the header reads as Code-Point Open)"
        );
        assert_eq!(
            missing("pcds,oslaua"),
            "missing column(s): osward/ward/wdYYcd, doterm (the header reads as ONSPD or NSPL)"
        );
        assert_eq!(
            missing("postcode,ward_code"),
            "missing column(s): district_code/ladYYcd (the header reads as a GIS export)"
        );
    }

    #[test]
    fn refuses_a_header_that_could_mean_two_things() {
        assert_eq!(
            layout("pcds,doterm,osward,ward,oslaua").unwrap_err().to_string(),
            "ambiguous columns: osward and ward each give the ward code; keep one"
        );
        assert_eq!(
            layout("postcode,wd22cd,wd23cd,lad23cd").unwrap_err(),
            LayoutProblem::Ambiguous { what: "ward code", columns: vec!["wd22cd".into(), "wd23cd".into()] }
        );
    }

    #[test]
    fn an_unknown_header_is_refused_naming_the_layouts_accepted() {
        for h in ["code,ward", "pc,wd,lad", "post code,ward_code,district_code", ""] {
            let e = layout(h).unwrap_err();
            assert_eq!(e, LayoutProblem::Unknown, "{h:?}");
            let said = e.to_string();
            for name in ["Code-Point Open", "ONSPD", "NSPL", "2025", "GIS export", "README"] {
                assert!(said.contains(name), "{said}");
            }
        }
    }

    #[test]
    fn termination_dates_as_each_layout_writes_them() {
        let march = Some(Month { year: 2019, month: 3 });
        for layout in [Layout::Onspd, Layout::Nspl, Layout::OnsYearCoded, Layout::Gis] {
            assert_eq!(layout.termination(""), Ok(None), "blank is live in {layout:?}");
            assert_eq!(layout.termination("201903"), Ok(march));
            assert_eq!(layout.termination("201913"), Err(BadDate));
            assert_eq!(layout.termination("March 2019"), Err(BadDate));
        }
        for s in ["2019-03", "2019-03-31"] {
            assert_eq!(Layout::Gis.termination(s), Ok(march), "{s}");
            assert_eq!(Layout::Onspd.termination(s), Err(BadDate), "ONSPD writes YYYYMM only: {s}");
        }
        assert_eq!(Layout::Gis.termination("2019-02-30"), Err(BadDate));
    }
}
