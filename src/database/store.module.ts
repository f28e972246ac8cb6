import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config';
import type { Store } from './database';
import { STORE } from './store.token';

/** Makes the opened Store and the AppConfig injectable everywhere. The caller owns both. */
@Global()
@Module({})
export class StoreModule {
  static forRoot(config: AppConfig, store: Store): DynamicModule {
    return {
      module: StoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: STORE, useValue: store },
      ],
      exports: [APP_CONFIG, STORE],
    };
  }
}
