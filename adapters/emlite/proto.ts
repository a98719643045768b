import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Loads mediator.proto once; keepCase so field names (objectId, dataField, json_data) match the wire. */
const PROTO_PATH = fileURLToPath(new URL('./proto/mediator.proto', import.meta.url));

const packageDefinition = protoLoader.loadSync(PROTO_PATH, {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

interface MediatorPackage {
  simt_emlite: { mediator: { grpc: { EmliteMediatorService: grpc.ServiceClientConstructor; InfoService: grpc.ServiceClientConstructor } } };
}

const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as MediatorPackage;

export const MediatorServiceClient = loaded.simt_emlite.mediator.grpc.EmliteMediatorService;
export const InfoServiceClient = loaded.simt_emlite.mediator.grpc.InfoService;
export const mediatorServiceDefinition = MediatorServiceClient.service;
export const infoServiceDefinition = InfoServiceClient.service;

export interface ReadElementRequest { serial: string; objectId: number }
export interface ReadElementReply { response: Buffer }
export interface WriteElementRequest { serial: string; objectId: number; payload: Buffer }
export type WriteElementReply = Record<string, never>;
export interface SendRawMessageRequest { serial: string; dataField: Buffer }
export interface SendRawMessageReply { response: Buffer }
export interface GetInfoRequest { serial: string }
export interface GetInfoReply { json_data: string }
export interface GetMetersRequest { esco: string }
export interface GetMetersReply { json_meters: string }
