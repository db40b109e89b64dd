// The product's words come from the server's one definition, so a new event
// type or strategy reaches the console's forms and docs without a copy here.
export * from '../../../server/vocabulary.ts'
