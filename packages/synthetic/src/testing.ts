/**
 * Pieces of the synthetic CTF and CIN files, for tests and benchmarks that build files the
 * generator would not (one pupil, thousands of pupils, a broken record): `@hub/synthetic/testing`.
 * The demo data itself comes from the package's main entry (buildAgencyFiles and friends).
 */
export { CIN_TAIL, CTF_TAIL, cinChildXml, cinHeaderXml, ctfHeaderXml, ctfPupilXml } from './agency-files.ts';
