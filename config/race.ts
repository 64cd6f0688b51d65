export default ({ env }) => ({
  // Runner identification (student number), matched after trimming and lower-casing.
  identificationPattern: env('RACE_IDENTIFICATION_PATTERN', '^r[0-9]{7}$'),
});
