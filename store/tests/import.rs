mod common;

use chrono::{Duration, Utc};
use common::{mailing, shared, TestDb};
use petition_core::address::Uprn;
use petition_core::franchise::NonLocalMarkers;
use petition_core::reference::FileKind;
use petition_core::text::{Email, PersonName};
use petition_core::{AreaCode, Postcode};
use petition_store::import::{import, import_with, Apply, ImportError};
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::places::{self, PostcodeStatus};
use petition_store::read::public::{search_postcode, PostcodeFinds};
use petition_store::secrets::Secrets;
use petition_store::signatures::{self, AddressChoice, SignError, SignOutcome, SignRequest};
use sqlx::Row;

async fn count(db: &petition_store::Db, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&db.pool).await.unwrap().try_get("n").unwrap()
}

#[tokio::test]
async fn every_eden_postcode_lands_in_its_ward() {
    let text = shared("testdata/uk/postcode_lookup/eden_postcode_to_ward_codepoint_open_2014.csv");
    for t in TestDb::both().await {
        let done = import(&t.db, FileKind::PostcodeLookup, &text).await.unwrap();
        assert_eq!(done.rows, 2562, "{}", t.name);
        let mut checked = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let pc = Postcode::parse(f[0]).unwrap();
            let ward = places::ward_of_postcode(&t.db, &pc).await.unwrap();
            assert_eq!(ward.as_deref(), Some(f[8]), "{} on {}", f[0], t.name);
            // And the ward lies in Eden, which lies in Cumbria.
            if checked % 100 == 0 {
                let chain: Vec<String> =
                    places::area_chain(&t.db.pool, f[8]).await.unwrap().into_iter().map(|a| a.code).collect();
                assert_eq!(chain, vec![f[8].to_string(), "E07000030".into(), "E10000006".into()]);
            }
            checked += 1;
        }
        assert_eq!(checked, 2562);
        assert_eq!(count(&t.db, "areas").await, 30 + 2, "30 wards, Eden and Cumbria on {}", t.name);
        // Importing again changes nothing.
        import(&t.db, FileKind::PostcodeLookup, &text).await.unwrap();
        assert_eq!(count(&t.db, "postcodes").await, 2562);
        t.close().await;
    }
}

/// The shared Eden postcodes (Code-Point Open) as an ONSPD extract of Eden: ONSPD's columns,
/// every field quoted and CR LF line endings, as ONS publishes it, with every 183rd postcode
/// (14 of them) terminated in March 2019. Each postcode comes with its ward and whether it was
/// terminated. ONSPD itself is not in ../shared, so it is built here.
fn eden_as_onspd(codepoint: &str) -> (String, Vec<(Postcode, String, bool)>) {
    let mut text = String::from("pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,usertype\r\n");
    let mut postcodes = Vec::new();
    for (i, line) in codepoint.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let pc = Postcode::parse(f[0]).unwrap();
        let pcd2 = format!("{:<4}{}", pc.outward(), &f[0][f[0].len() - 3..]);
        let terminated = i % 183 == 0;
        let doterm = if terminated { "201903" } else { "" };
        let fields = [f[1], &pcd2, f[0], "198001", doterm, f[6], "E58000000", f[7], f[8], "0"];
        let quoted: Vec<String> = fields.iter().map(|v| format!("\"{v}\"")).collect();
        text.push_str(&quoted.join(","));
        text.push_str("\r\n");
        postcodes.push((pc, f[8].to_string(), terminated));
    }
    (text, postcodes)
}

#[tokio::test]
async fn an_onspd_lookup_keeps_terminated_postcodes_and_they_find_nothing() {
    let codepoint = shared("testdata/uk/postcode_lookup/eden_postcode_to_ward_codepoint_open_2014.csv");
    let wards = shared("testdata/uk/wards/eden_wards_dec2019.csv");
    let (onspd, postcodes) = eden_as_onspd(&codepoint);
    assert_eq!(postcodes.iter().filter(|p| p.2).count(), 14);
    let (old, new) = (&postcodes[0], &postcodes[1]);
    assert!(old.2 && !new.2 && old.1 == new.1, "two postcodes of one ward, the first terminated");
    let mut areas =
        String::from("code,name,kind,parent_code\nE10000006,Cumbria,county,\nE07000030,Eden,district,E10000006\n");
    for line in wards.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        areas.push_str(&format!("{},\"{}\",ward,{}\n", f[0], f[1], f[2]));
    }
    let gazetteer = format!(
        "UPRN,AddressLine1,PostCode,WardCode\n100000001,1 Old Road,{},{}\n100000002,2 New Road,{},{}\n",
        old.0, old.1, new.0, new.1
    );
    for t in TestDb::both().await {
        // ONSPD has no ward names, so its wards must be stored first.
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::PostcodeLookup, &onspd).await else { panic!() };
        assert_eq!(errors.len(), 2562, "{}", t.name);
        assert!(errors[0].message.contains("ONSPD (ONS Postcode Directory) gives no ward names"), "{}", errors[0]);
        assert!(errors[0].message.contains("petitions import areas"), "{}", errors[0]);
        assert_eq!(count(&t.db, "postcodes").await, 0);

        import(&t.db, FileKind::Areas, &areas).await.unwrap();
        // The gazetteer already lists a property at the postcode ONSPD says was terminated.
        import(&t.db, FileKind::Gazetteer, &gazetteer).await.unwrap();
        let done = import(&t.db, FileKind::PostcodeLookup, &onspd).await.unwrap();
        assert_eq!(done.rows, 2562, "{}", t.name);
        assert_eq!(done.notes[0], "read as ONSPD (ONS Postcode Directory): 2,562 postcodes, 14 terminated");
        assert_eq!(done.notes.len(), 2, "no area created: {:?}", done.notes);
        assert!(
            done.notes[1].starts_with("1 terminated postcode(s) still have addresses in the gazetteer"),
            "{:?}",
            done.notes
        );

        import(&t.db, FileKind::Electorates, "area_code,register_date,electorate\nE07000030,2024-01-01,42000\n")
            .await
            .unwrap();
        let eden = AreaCode::parse("E07000030").unwrap();
        let now = Utc::now();
        let petition =
            open_petition(&t.db, "Eden", "Text", &eden, now - Duration::days(1), Policy::default()).await.unwrap();
        let mut live_checked = 0;
        for (i, (pc, ward, terminated)) in postcodes.iter().enumerate() {
            if !terminated && i % 10 != 1 {
                continue;
            }
            match search_postcode(&t.db, pc, now).await.unwrap() {
                PostcodeFinds::Terminated(said) if *terminated => {
                    assert_eq!(
                        said.to_string(),
                        format!(
                            "{pc} was terminated in March 2019 and is no longer in use. Check your postcode, or try \
                             the one on a recent letter from the council."
                        )
                    );
                    assert_eq!(places::ward_of_postcode(&t.db, pc).await.unwrap(), None);
                }
                PostcodeFinds::Petitions(found) if !terminated => {
                    let chain: Vec<&str> = found.areas.iter().map(|a| a.code.as_str()).collect();
                    assert_eq!(chain, [ward.as_str(), "E07000030", "E10000006"], "{pc} on {}", t.name);
                    assert_eq!(found.petitions.iter().map(|p| p.id).collect::<Vec<_>>(), [petition], "{pc}");
                    live_checked += 1;
                }
                other => panic!("{pc} (terminated: {terminated}) found {other:?} on {}", t.name),
            }
        }
        assert_eq!(live_checked, 256);
        assert_eq!(
            search_postcode(&t.db, &Postcode::parse("CA99 9ZZ").unwrap(), now).await.unwrap(),
            PostcodeFinds::Unknown
        );

        // Nor does it sign, whether the property is listed there or not; its neighbour still does.
        let secrets = Secrets::from_bytes([9; 32]);
        let sign = |postcode: &Postcode, address: AddressChoice| SignRequest {
            petition_id: petition,
            name: PersonName::parse("Ada Lovelace").unwrap(),
            email: Email::parse("ada@example.org").unwrap(),
            postcode: postcode.clone(),
            address,
        };
        for address in
            [AddressChoice::Listed(Uprn::parse("100000001").unwrap()), AddressChoice::NotListed("1 Old Road".into())]
        {
            let refused = signatures::sign(&t.db, &secrets, &mailing(), &sign(&old.0, address), now.timestamp()).await;
            assert!(matches!(&refused, Err(SignError::TerminatedPostcode(t)) if t.postcode == old.0), "{refused:?}");
        }
        let listed = sign(&new.0, AddressChoice::Listed(Uprn::parse("100000002").unwrap()));
        let signed = signatures::sign(&t.db, &secrets, &mailing(), &listed, now.timestamp()).await.unwrap();
        assert_eq!(signed, SignOutcome::Unmatched);

        // Code-Point Open lists live postcodes only: importing it says each of its postcodes is live.
        let done = import(&t.db, FileKind::PostcodeLookup, &codepoint).await.unwrap();
        assert_eq!(
            done.notes[0],
            "read as Code-Point Open: 2,562 postcodes, all live (Code-Point Open lists live postcodes only)"
        );
        let status = places::postcode_status(&t.db.pool, &old.0).await.unwrap();
        assert_eq!(status, PostcodeStatus::Live { ward: old.1.clone() }, "{}", t.name);
        t.close().await;
    }
}

#[tokio::test]
async fn a_bad_file_imports_nothing_and_names_every_bad_line() {
    for t in TestDb::both().await {
        let areas = "code,name,kind,parent_code\nE10900001,Westshire,county,\nE07900001,Rivermouth,district,E10900001\n\
                     E05900001,Harbour,ward,E07900001\ne05900002,Bad code,ward,E07900001\nE05900003,Orphan,ward,E07999999\n\
                     E05900004,,ward,E07900001\nE05900005,Wrong kind,parish,E07900001\nE05900006,Ward in county,ward,E10900001\n\
                     E05900001,Twice,ward,E07900001\nE05900007,Short line\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::Areas, areas).await else {
            panic!("should fail")
        };
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![5, 6, 7, 8, 9, 10, 11], "{errors:?}");
        assert!(errors[0].message.contains("capital letter"), "{}", errors[0]);
        assert!(errors[1].message.contains("E07999999"));
        assert!(errors[4].message.contains("cannot lie inside"));
        assert!(errors[5].message.contains("twice"));
        assert!(errors[6].message.contains("fields"));
        assert_eq!(count(&t.db, "areas").await, 0, "nothing imported on {}", t.name);

        let good = "code,name,kind,parent_code\nE10900001,Westshire,county,\nE07900001,Rivermouth,district,E10900001\nE05900001,Harbour,ward,E07900001\n";
        assert_eq!(import(&t.db, FileKind::Areas, good).await.unwrap().rows, 3);

        let electorates = "area_code,register_date,electorate\nE05900001,2026-02-15,1200\nE05900001,2026-02-30,5\nE05999999,2026-02-15,5\nE05900001,2025-02-15,-4\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::Electorates, electorates).await else { panic!() };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(count(&t.db, "electorates").await, 0);

        let missing_col = "code,name,kind\nE05900009,X,ward\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::Areas, missing_col).await else { panic!() };
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("parent_code"));

        let gazetteer = "UPRN,AddressLine1,PostCode,WardCode\n1,1 Quay Road,RV1 1AA,E05900001\nx2,2 Quay Road,RV1 1AA,E05900001\n3,3 Quay Road,NOTAPC,E05900001\n4,,RV1 1AA,E05900001\n5,5 Quay Road,RV1 1AA,E07900001\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::Gazetteer, gazetteer).await else { panic!() };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        assert_eq!(count(&t.db, "addresses").await, 0);
        t.close().await;
    }
}

#[tokio::test]
async fn register_places_electors_and_marks_overseas_electors() {
    for t in TestDb::both().await {
        let files = petition_store::demo::generate(petition_store::demo::Size::SMALL, 1, "2026-02-15");
        petition_store::demo::import_files(&t.db, &files).await.unwrap();
        let electors = count(&t.db, "electors").await;
        assert_eq!(electors as usize, files.people.len());
        let unplaced: i64 = sqlx::query("SELECT COUNT(*) AS n FROM electors WHERE uprn IS NULL")
            .fetch_one(&t.db.pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(unplaced, 0, "every generated elector is at a gazetteer property");

        // A 14-field register with an overseas elector and a broken line.
        let reg14 = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Surname,Elector Forename,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n\
                     ZZ,1,0,F,,Abroad,Alex,RV1 0AA,1 Nowhere Lane,Rivermouth,,,,\n\
                     ZZ,2,1,,,Local,Lee,RV1 0AA,1 Nowhere Lane,Rivermouth,,,,\n";
        let done = import(&t.db, FileKind::Register, reg14).await.unwrap();
        assert_eq!(done.rows, 2);
        assert!(
            done.notes.iter().any(|n| n.contains("1 elector(s) are not local government electors")),
            "{:?}",
            done.notes
        );
        assert!(done.notes.iter().any(|n| n.contains("could not be placed")), "{:?}", done.notes);
        let row = sqlx::query("SELECT local_franchise, name_key FROM electors WHERE elector_number = 'ZZ-1'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert_eq!(row.try_get::<i64, _>(0).unwrap(), 0);
        assert_eq!(row.try_get::<String, _>(1).unwrap(), "alex abroad");
        assert_eq!(count(&t.db, "electors").await, electors + 2);
        // The excluded markers are a setting: a council that excluded only E would count Alex.
        let only_e = NonLocalMarkers::parse("E").unwrap();
        import_with(&t.db, FileKind::Register, reg14, &only_e, Apply::Commit(None)).await.unwrap();
        let local: i64 = sqlx::query("SELECT local_franchise FROM electors WHERE elector_number = 'ZZ-1'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(local, 1, "re-imported under the other setting");
        import(&t.db, FileKind::Register, reg14).await.unwrap();
        let bad = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n\
                   ZZ,3,0,,,\"Solo\",RV1 0AA,1 Nowhere Lane,,,,,\nZZ,x,0,,,\"SMITH, Jo\",RV1 0AA,1 Nowhere Lane,,,,,\nZZ,5,0,,,\"SMITH, Jo\",RV1 0AA,1 Nowhere Lane,,,,,\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, FileKind::Register, bad).await else { panic!() };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(count(&t.db, "electors").await, electors + 2);
        t.close().await;
    }
}
