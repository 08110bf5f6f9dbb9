/**
 * Type-level pins of the client's generated types to the server's own (checked by `npm run
 * typecheck`, not at run time): the answers the server's verbs produce, and the request bodies
 * its zod schemas accept, must be the shapes the client is typed with. With
 * test/client/types.test.ts (the generated file equals what the served document generates) a
 * changed schema fails the build until the client is regenerated and still fits.
 */
import type { z } from 'zod';
import type { Answer, Body, components } from '@strata/client';
import type { Problem } from '@strata/functions/problem';
import type { UploadView } from '@strata/core/uploads/service';
import type { PayBody, PaymentDetail, Price, ProofResult, Quote, Receipt, SetPriceBody, SubmitPaymentBody, SubmitPaymentResult } from '@strata/core/payments/schema';
import type { PartsRequest, UploadRequest } from '@strata/core/uploads/schema';

/** Plain JSON shape of a type: readonly dropped, the same for both sides. */
type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
type Same<A, B> = [Plain<A>] extends [Plain<B>] ? ([Plain<B>] extends [Plain<A>] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>) => ok;

export const pins = [
  same<components['schemas']['Problem'], Problem>(true),
  same<Answer<'/v1/uploads', 'post', 201>, UploadView>(true),
  same<Answer<'/v1/uploads/{uploadId}', 'get'>, UploadView>(true),
  same<Body<'/v1/uploads', 'post'>, z.input<typeof UploadRequest>>(true),
  same<Body<'/v1/uploads/{uploadId}/parts', 'post'>, z.input<typeof PartsRequest>>(true),
  same<Answer<'/price', 'get'>, Price>(true),
  same<Body<'/price', 'post'>, SetPriceBody>(true),
  same<Body<'/pay', 'post'>, PayBody>(true),
  same<Answer<'/pay', 'post'>, Receipt>(true),
  same<Answer<'/receipt', 'get'>, Receipt>(true),
  same<Answer<'/payments/quote', 'post'>, Quote>(true),
  same<Body<'/payments/submit', 'post'>, SubmitPaymentBody>(true),
  same<Answer<'/payments/submit', 'post'>, SubmitPaymentResult>(true),
  same<Answer<'/payments/{receiptId}', 'get'>, PaymentDetail>(true),
  same<Answer<'/payments/{receiptId}/proof', 'post'>, ProofResult>(true),
];
