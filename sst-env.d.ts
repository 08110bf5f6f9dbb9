/**
 * Typings for `Resource` from "sst", matching what `sst deploy` generates for this app.
 * Kept in the repository so `sst shell` scripts type-check offline; `sst deploy` and
 * `sst dev` regenerate an equivalent file. The app itself never reads `Resource`: each
 * entry receives its configuration as environment variables (docs/adr/0011).
 */
/* tslint:disable */
/* eslint-disable */
import "sst"
declare module "sst" {
  export interface Resource {
    "AdminToken": {
      "type": "sst.sst.Secret"
      "value": string
    }
    "Api": {
      "name": string
      "type": "sst.aws.Function"
      "url": string
    }
    "Cdn": {
      "type": "sst.aws.Router"
      "url": string
    }
    "Content": {
      "name": string
      "type": "sst.aws.Bucket"
    }
    "DatabaseUrl": {
      "type": "sst.sst.Secret"
      "value": string
    }
    "IngestToken": {
      "type": "sst.sst.Secret"
      "value": string
    }
    "Jobs": {
      "type": "sst.aws.Queue"
      "url": string
    }
    "JobsDeadLetter": {
      "type": "sst.aws.Queue"
      "url": string
    }
    "Migrator": {
      "name": string
      "type": "sst.aws.Function"
      "url": string
    }
    "Scheduler": {
      "name": string
      "type": "sst.aws.Function"
      "url": string
    }
    "UpstashRedisRestToken": {
      "type": "sst.sst.Secret"
      "value": string
    }
    "UpstashRedisRestUrl": {
      "type": "sst.sst.Secret"
      "value": string
    }
  }
}
export {}
