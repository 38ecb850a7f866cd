-- Postcodes Royal Mail has stopped using, as ONSPD and NSPL date them ('YYYY-MM', the month the
-- postcode was terminated; NULL while it is live). A terminated postcode is kept, with its ward,
-- so that someone who types it is told it was terminated rather than that it is unknown; it finds
-- no petitions and no addresses, and signs nothing.
ALTER TABLE postcodes ADD COLUMN terminated TEXT;
