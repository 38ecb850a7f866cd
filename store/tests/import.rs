mod common;

use common::{shared, TestDb};
use petition_core::franchise::NonLocalMarkers;
use petition_core::Postcode;
use petition_store::import::{import, import_with, ImportError, Kind};
use petition_store::places;
use sqlx::Row;

async fn count(db: &petition_store::Db, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&db.pool).await.unwrap().try_get("n").unwrap()
}

#[tokio::test]
async fn every_eden_postcode_lands_in_its_ward() {
    let text = shared("testdata/uk/postcode_lookup/eden_postcode_to_ward_codepoint_open_2014.csv");
    for t in TestDb::both().await {
        let done = import(&t.db, Kind::PostcodeLookup, &text).await.unwrap();
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
                    places::area_chain(&t.db, f[8]).await.unwrap().into_iter().map(|a| a.code).collect();
                assert_eq!(chain, vec![f[8].to_string(), "E07000030".into(), "E10000006".into()]);
            }
            checked += 1;
        }
        assert_eq!(checked, 2562);
        assert_eq!(count(&t.db, "areas").await, 30 + 2, "30 wards, Eden and Cumbria on {}", t.name);
        // Importing again changes nothing.
        import(&t.db, Kind::PostcodeLookup, &text).await.unwrap();
        assert_eq!(count(&t.db, "postcodes").await, 2562);
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
        let Err(ImportError::Lines(errors)) = import(&t.db, Kind::Areas, areas).await else { panic!("should fail") };
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![5, 6, 7, 8, 9, 10, 11], "{errors:?}");
        assert!(errors[0].message.contains("capital letter"), "{}", errors[0]);
        assert!(errors[1].message.contains("E07999999"));
        assert!(errors[4].message.contains("cannot lie inside"));
        assert!(errors[5].message.contains("twice"));
        assert!(errors[6].message.contains("fields"));
        assert_eq!(count(&t.db, "areas").await, 0, "nothing imported on {}", t.name);

        let good = "code,name,kind,parent_code\nE10900001,Westshire,county,\nE07900001,Rivermouth,district,E10900001\nE05900001,Harbour,ward,E07900001\n";
        assert_eq!(import(&t.db, Kind::Areas, good).await.unwrap().rows, 3);

        let electorates = "area_code,register_date,electorate\nE05900001,2026-02-15,1200\nE05900001,2026-02-30,5\nE05999999,2026-02-15,5\nE05900001,2025-02-15,-4\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, Kind::Electorates, electorates).await else { panic!() };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(count(&t.db, "electorates").await, 0);

        let missing_col = "code,name,kind\nE05900009,X,ward\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, Kind::Areas, missing_col).await else { panic!() };
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("parent_code"));

        let gazetteer = "UPRN,AddressLine1,PostCode,WardCode\n1,1 Quay Road,RV1 1AA,E05900001\nx2,2 Quay Road,RV1 1AA,E05900001\n3,3 Quay Road,NOTAPC,E05900001\n4,,RV1 1AA,E05900001\n5,5 Quay Road,RV1 1AA,E07900001\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, Kind::Gazetteer, gazetteer).await else { panic!() };
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
        let done = import(&t.db, Kind::Register, reg14).await.unwrap();
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
        import_with(&t.db, Kind::Register, reg14, &only_e).await.unwrap();
        let local: i64 = sqlx::query("SELECT local_franchise FROM electors WHERE elector_number = 'ZZ-1'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(local, 1, "re-imported under the other setting");
        import(&t.db, Kind::Register, reg14).await.unwrap();
        let bad = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n\
                   ZZ,3,0,,,\"Solo\",RV1 0AA,1 Nowhere Lane,,,,,\nZZ,x,0,,,\"SMITH, Jo\",RV1 0AA,1 Nowhere Lane,,,,,\nZZ,5,0,,,\"SMITH, Jo\",RV1 0AA,1 Nowhere Lane,,,,,\n";
        let Err(ImportError::Lines(errors)) = import(&t.db, Kind::Register, bad).await else { panic!() };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(count(&t.db, "electors").await, electors + 2);
        t.close().await;
    }
}
