/**
 * `cdktf-genesys-consumer`: typed CDK for Terraform constructs for a spike-proof
 * consumer of Genesys Cloud messaging webhooks on AWS.
 */
